// Fetching a URL someone else chose (a lightning address's LNURL service names its own
// callback) on behalf of an agent. Without care that is server-side request forgery: the
// server would reach into its own machine or network (http://127.0.0.1:PORT/admin, a cloud
// metadata address) and tell the agent what it found. So a fetch here:
// - goes only to public addresses: the host is resolved, every address it resolves to is
//   checked, and the connection is made to a checked address (pinned, so a second DNS
//   answer cannot swap in a private one between the check and the connect);
// - follows redirects itself, checking each hop, and only a few;
// - is bounded in time and size;
// - reports failures by HTTP status at most, never with the body, which may be an
//   internal service's answer.
// Operators (and tests) may exempt named host:port pairs, e.g. a LNURL service of their own.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { MarketError } from '../core/errors.js';

export interface FetchPolicy {
  /** host:port pairs exempt from the public-address rule (`--allow-fetch-host`), e.g. "127.0.0.1:3000" or "[::1]:3000". */
  allowHosts: readonly string[];
}

export const FETCH_TIMEOUT_MS = 10_000;
/** LNURL answers are a few hundred bytes; anything far larger is not one. */
export const FETCH_MAX_BYTES = 64 * 1024;
export const FETCH_MAX_REDIRECTS = 3;

/**
 * Addresses that are not the public internet (IANA special-purpose registries): this
 * network, private, shared (CGNAT), loopback, link-local, IETF protocol, documentation,
 * 6to4 relay, benchmarking, multicast, reserved and broadcast.
 */
const NOT_PUBLIC_V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/**
 * IPv6 is judged the other way round: only global unicast (2000::/3) may be public, which
 * leaves out loopback, unspecified, IPv4-mapped and -compatible (::/8), NAT64 (64:ff9b::),
 * unique-local (fc00::/7), link-local (fe80::/10) and multicast (ff00::/8) at once; inside
 * it, the ranges that embed or stand for something else (Teredo and other IETF protocol
 * assignments, documentation, 6to4) are refused too.
 */
const NOT_PUBLIC_WITHIN_GLOBAL_V6: [string, number][] = [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
];

const notPublic = new BlockList();
for (const [net, prefix] of NOT_PUBLIC_V4) notPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of NOT_PUBLIC_WITHIN_GLOBAL_V6) notPublic.addSubnet(net, prefix, 'ipv6');
const globalV6 = new BlockList();
globalV6.addSubnet('2000::', 3, 'ipv6');

/** Whether an IP address (v4 or v6 text) is on the public internet. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !notPublic.check(address, 'ipv4');
  if (family === 6) return globalV6.check(address, 'ipv6') && !notPublic.check(address, 'ipv6');
  return false;
}

export interface FetchedText {
  status: number;
  text: string;
}

/** GETs a URL under the policy; throws MarketError (INVALID_INPUT for a refused destination, UPSTREAM_UNAVAILABLE otherwise). */
export async function publicFetch(url: string, policy: FetchPolicy, o: { what: string; timeoutMs?: number; maxBytes?: number } = { what: 'the service' }): Promise<FetchedText> {
  const deadline = Date.now() + (o.timeoutMs ?? FETCH_TIMEOUT_MS);
  let current = parseUrl(url, o.what);
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(current, policy, { what: o.what, deadline, maxBytes: o.maxBytes ?? FETCH_MAX_BYTES });
    if (answer.location === undefined) return { status: answer.status, text: answer.text };
    if (hop >= FETCH_MAX_REDIRECTS) throw new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} redirected more than ${FETCH_MAX_REDIRECTS} times.`);
    current = parseUrl(answer.location, o.what, current);
  }
}

function parseUrl(text: string, what: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new MarketError('INVALID_INPUT', `${what} named a URL that is not valid.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new MarketError('INVALID_INPUT', `${what} named a ${url.protocol} URL; only http and https are fetched.`);
  if (url.username || url.password) throw new MarketError('INVALID_INPUT', `${what} named a URL with credentials in it; it is not fetched.`);
  return url;
}

export function hostPort(url: URL): string {
  return `${url.hostname.toLowerCase()}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** The addresses to connect to: checked, or any when the operator exempted this host:port. */
async function resolvePublic(url: URL, policy: FetchPolicy, what: string): Promise<{ address: string; family: number }[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const exempt = policy.allowHosts.includes(hostPort(url));
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch {
      throw new MarketError('UPSTREAM_UNAVAILABLE', `${what} is at ${url.hostname}, which does not resolve.`);
    }
  }
  // Every answer must be public: a name that resolves to one public and one private address
  // would otherwise reach the private one on some connection attempt.
  if (!exempt && (addresses.length === 0 || addresses.some((a) => !isPublicAddress(a.address)))) {
    throw new MarketError('INVALID_INPUT', `${what} is at ${url.hostname}, which is not a public internet address; the marketplace fetches only public addresses for agents.`);
  }
  return addresses;
}

/** net.connect asks this instead of DNS: it can only answer the addresses already checked. */
function pinnedLookup(addresses: { address: string; family: number }[]): LookupFunction {
  return (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

async function getOnce(url: URL, policy: FetchPolicy, o: { what: string; deadline: number; maxBytes: number }): Promise<{ status: number; text: string; location?: string }> {
  const addresses = await resolvePublic(url, policy, o.what);
  const remaining = o.deadline - Date.now();
  if (remaining <= 0) throw new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} did not answer in time.`);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const fail = (error: MarketError) => {
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const request = client.request(
      url,
      // agent false: a pooled socket could have been connected without this check.
      { method: 'GET', agent: false, lookup: pinnedLookup(addresses), headers: { accept: 'application/json', 'user-agent': 'agent-marketplace' } },
      (response) => {
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status) && typeof response.headers.location === 'string') {
          clearTimeout(timer);
          response.destroy();
          return resolve({ status, text: '', location: response.headers.location });
        }
        if (status < 200 || status > 299) return fail(new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} answered HTTP ${status}.`));
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > o.maxBytes) return fail(new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} answered with more than ${o.maxBytes} bytes.`));
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', () => fail(new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} broke off its answer.`)));
      },
    );
    const timer = setTimeout(() => fail(new MarketError('UPSTREAM_UNAVAILABLE', `${o.what} did not answer in time.`)), remaining);
    request.on('error', () => fail(new MarketError('UPSTREAM_UNAVAILABLE', `Could not reach ${o.what}.`)));
    request.end();
  });
}
