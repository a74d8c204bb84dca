// A LUD-16 lightning-address service on loopback, issuing the simulated wallet's
// invoices. Loopback is not a public address, so the marketplace reaches it only when the
// test exempts it (`allowFetchHosts: [lnurl.host]`), and its addresses name the port
// (`alice@127.0.0.1:PORT`), which only an exempted host may. It can also be made hostile:
// naming a callback elsewhere, or redirecting there.
import { createServer, type IncomingMessage } from 'node:http';
import type { SimulatedWallet } from './lightning-wallet.js';

export interface LnurlOptions {
  minSats?: number;
  maxSats?: number;
  /** The callback URL the service names (default: its own /callback). */
  callback?: (port: number) => string;
  /** Answer the address's first request with a redirect here instead. */
  redirectTo?: string;
}

export async function startLnurlServer(wallet: SimulatedWallet, o: LnurlOptions = {}) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '/');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/.well-known/lnurlp/')) {
      if (o.redirectTo) {
        res.writeHead(302, { location: o.redirectTo });
        return res.end();
      }
      return send({
        tag: 'payRequest',
        callback: o.callback ? o.callback(port) : `http://127.0.0.1:${port}/callback`,
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
  const host = `127.0.0.1:${port}`;
  return {
    /** The host:port to exempt (allowFetchHosts / --allow-fetch-host). */
    host,
    /** A lightning address served here. */
    address: (name: string) => `${name}@${host}`,
    /** Every request path it was sent, in order. */
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An internal service an attacker would like the marketplace to reach: answers a secret to anyone, and counts who asked. */
export async function startInternalService() {
  const hits: IncomingMessage['url'][] = [];
  const server = createServer((req, res) => {
    hits.push(req.url);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ admin_token: 'INTERNAL-SECRET-do-not-leak' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, url: (path: string) => `http://127.0.0.1:${port}${path}`, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
