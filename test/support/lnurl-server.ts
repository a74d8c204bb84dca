// A LUD-16 lightning-address service on loopback, issuing the simulated wallet's
// invoices. Lightning addresses are fetched over https from their domain, so tests route
// that one domain to this server (routeDomain) instead of the network.
import { createServer } from 'node:http';
import type { SimulatedWallet } from './lightning-wallet.js';

export async function startLnurlServer(wallet: SimulatedWallet, o: { minSats?: number; maxSats?: number } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/.well-known/lnurlp/')) {
      return send({
        tag: 'payRequest',
        callback: `http://127.0.0.1:${port}/callback`,
        minSendable: (o.minSats ?? 1) * 1000,
        maxSendable: (o.maxSats ?? 1_000_000) * 1000,
        metadata: JSON.stringify([['text/plain', 'test payee']]),
      });
    }
    if (url.pathname === '/callback') return send({ pr: wallet.externalInvoice({ amountSats: Number(url.searchParams.get('amount')) / 1000 }).bolt11, routes: [] });
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const realFetch = globalThis.fetch;
  return {
    /** Sends https requests for `domain` to this server; everything else goes where it was going. */
    routeDomain(domain: string) {
      globalThis.fetch = (input: string | URL | Request, init?: RequestInit) => {
        const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
        if (url.hostname === domain) return realFetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
        return realFetch(input, init);
      };
    },
    close: async () => {
      globalThis.fetch = realFetch;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
