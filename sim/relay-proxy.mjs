// The relay as the server and the wallet reach it: a TCP proxy on a fixed loopback port
// in front of the test relay, so the simulation can cut every connection (a network
// blip) or take the relay away for a while and bring it back on the same address (a
// relay restart), without the relay losing what it stores.
import net from 'node:net';

export class RelayProxy {
  constructor(upstreamUrl) {
    this.upstream = new URL(upstreamUrl);
    this.sockets = new Set();
    this.server = null;
    this.port = 0;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}`;
  }

  async listen() {
    this.server = net.createServer((client) => {
      const relay = net.connect(Number(this.upstream.port), this.upstream.hostname);
      for (const [a, b] of [
        [client, relay],
        [relay, client],
      ]) {
        this.sockets.add(a);
        a.pipe(b);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          this.sockets.delete(a);
          b.destroy();
        });
      }
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
  }

  /** Every open connection is cut mid-stream; new ones are accepted at once. */
  dropConnections() {
    for (const s of this.sockets) s.destroy();
  }

  /** Connections cut and refused for `ms`, then the same address answers again. */
  async outage(ms) {
    const server = this.server;
    this.server = null;
    const closed = new Promise((resolve) => server.close(resolve));
    this.dropConnections();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, ms));
    await this.listen();
  }

  async close() {
    const server = this.server;
    this.server = null;
    this.dropConnections();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
