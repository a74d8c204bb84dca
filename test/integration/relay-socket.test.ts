// A relay connection closed while still being made (a job or wallet call that ends while
// the relay is slow) must not stop the server: with the plain `ws` socket, nostr-tools'
// close leaves an 'error' event nobody listens to, and Node throws it (found by the
// simulation, which lost its server to it during a relay outage).
import net from 'node:net';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { afterEach, expect, it } from 'vitest';
import { RelaySocket } from '../../src/nostr/websocket.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let server: net.Server | undefined;

afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

it('closes a relay connection still in its handshake without an uncaught error', async () => {
  // A relay that accepts the TCP connection and never answers the WebSocket upgrade.
  const sockets: net.Socket[] = [];
  server = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

  useWebSocketImplementation(RelaySocket);
  const pool = new SimplePool();
  const connecting = pool.ensureRelay(url, { connectionTimeout: 5_000 }).then(
    () => 'open',
    () => 'refused',
  );
  while (sockets.length === 0) await sleep(5);
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    pool.close([url]);
    await sleep(100);
  } finally {
    process.off('uncaughtException', onUncaught);
    sockets.forEach((s) => s.destroy());
  }
  expect(uncaught).toEqual([]);
  expect(await Promise.race([connecting, sleep(200).then(() => 'still waiting')])).not.toBe('open');
});
