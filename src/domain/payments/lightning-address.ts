// Paying a lightning address (name@domain) means asking its LNURL-pay service (LUD-16,
// LUD-06) for an invoice of the amount. The service is chosen by whoever gave the agent the
// address and names its own callback URL, so both requests go through publicFetch (public
// addresses only, no body in errors), and only after the gate has allowed the withdrawal.
// The invoice it returns is then checked like any other before it is paid.
import { publicFetch, type FetchPolicy } from '../../net/public-fetch.js';
import { MarketError } from '../../core/errors.js';

const ADDRESS = /^([a-z0-9._+-]+)@([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::(\d{1,5}))?$/i;

/**
 * The LNURL-pay URL of an address (LUD-16: https://domain/.well-known/lnurlp/name). An
 * address may name a port only for a host:port the operator exempted (--allow-fetch-host),
 * a LNURL service of its own on a private network or in a test, which is asked over http.
 */
export function lnurlpUrl(address: string, policy: FetchPolicy): string {
  const match = ADDRESS.exec(address);
  if (!match) throw new MarketError('INVALID_INPUT', 'lightning_address must look like name@domain.com.');
  const [, name, domain, port] = match;
  if (port === undefined) return `https://${domain!.toLowerCase()}/.well-known/lnurlp/${name!.toLowerCase()}`;
  const host = `${domain!.toLowerCase()}:${port}`;
  if (!policy.allowHosts.includes(host)) throw new MarketError('INVALID_INPUT', 'lightning_address must look like name@domain.com (no port).');
  return `http://${host}/.well-known/lnurlp/${name!.toLowerCase()}`;
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new MarketError('UPSTREAM_UNAVAILABLE', `${what} did not answer with a LNURL-pay JSON object.`);
}

/** Asks the address's service for an invoice of exactly `amountMsats`; returns the bolt11 (still to be checked). */
export async function invoiceForAddress(address: string, amountMsats: number, policy: FetchPolicy): Promise<string> {
  const what = `The LNURL-pay service of ${address}`;
  const pay = parseJson((await publicFetch(lnurlpUrl(address, policy), policy, { what })).text, what);
  if (pay.tag !== 'payRequest' || typeof pay.callback !== 'string') throw new MarketError('INVALID_INPUT', `${address} does not accept payments (no LNURL-pay service).`);
  const min = Number(pay.minSendable);
  const max = Number(pay.maxSendable);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) throw new MarketError('UPSTREAM_UNAVAILABLE', `${what} states no valid limits.`);
  // The service states its limits in millisats (LUD-06 minSendable / maxSendable).
  if (amountMsats < min || amountMsats > max) {
    throw new MarketError('INVALID_INPUT', `${address} accepts ${Math.ceil(min / 1000)}–${Math.floor(max / 1000)} sats, not ${amountMsats / 1000}.`);
  }
  let callback: URL;
  try {
    callback = new URL(pay.callback);
  } catch {
    throw new MarketError('UPSTREAM_UNAVAILABLE', `${what} named a callback that is not a URL.`);
  }
  callback.searchParams.set('amount', String(amountMsats));
  const answer = parseJson((await publicFetch(callback.toString(), policy, { what: `The invoice service of ${address}` })).text, what);
  // A refusal's reason is the service's own text: not passed on (status ERROR is enough).
  if (answer.status === 'ERROR' || typeof answer.pr !== 'string') throw new MarketError('UPSTREAM_UNAVAILABLE', `${address} did not give an invoice.`);
  return answer.pr;
}
