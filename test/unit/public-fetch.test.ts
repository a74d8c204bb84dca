// The public-address rule of fetches made for agents: which addresses count as the public
// internet, and that a name resolving to loopback is refused before any connection.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isPublicAddress, publicFetch } from '../../src/net/public-fetch.js';

describe('public addresses', () => {
  it('are public unicast only: loopback, private, link-local, unique-local, multicast, reserved and mapped forms are not', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) expect(isPublicAddress(address), address).toBe(true);
    for (const address of [
      '127.0.0.1',
      '127.8.9.10',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '192.0.2.1',
      '198.18.0.1',
      '224.0.0.1',
      '240.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:8.8.8.8',
      '::127.0.0.1',
      '64:ff9b::7f00:1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'fec0::1',
      'ff02::1',
      '2001:db8::1',
      '2002:7f00:1::1',
      '2001:0:4136:e378::1',
      'not an address',
      'localhost',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('refuse a name that resolves to loopback before connecting, unless that host:port is exempted', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.end('{"secret":"internal"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      for (const url of [`http://localhost:${port}/`, `http://127.0.0.1:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`]) {
        await expect(publicFetch(url, { allowHosts: [] }, { what: 'the service' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(hits).toBe(0);
      // Not the exempted port: still refused.
      await expect(publicFetch(`http://127.0.0.1:${port}/`, { allowHosts: [`127.0.0.1:${port + 1}`] }, { what: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await publicFetch(`http://127.0.0.1:${port}/`, { allowHosts: [`127.0.0.1:${port}`] }, { what: 'x' })).toEqual({ status: 200, text: '{"secret":"internal"}' });
      expect(hits).toBe(1);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('report an error status without the body, and stop reading an answer that is too large', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/big') return res.end('x'.repeat(200_000));
      res.statusCode = 500;
      res.end('stack trace with INTERNAL-SECRET');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const failed = await publicFetch(`http://${host}/`, { allowHosts: [host] }, { what: 'the service' }).catch((e: Error) => e);
      expect(failed).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'the service answered HTTP 500.' });
      await expect(publicFetch(`http://${host}/big`, { allowHosts: [host] }, { what: 'the service' })).rejects.toMatchObject({
        message: expect.stringMatching(/more than 65536 bytes/),
      });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
