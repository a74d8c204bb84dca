// The addresses this server answers to, as Host and Origin headers spell them. A browser
// lets any page send requests to loopback, and cookies (SameSite included) ignore the
// port, so a page on http://localhost:3000 is "same site" as this server on
// http://localhost:8787. What tells them apart is the Origin, compared whole: scheme,
// host and port. The Host is compared by name, which refuses a DNS-rebound name; its port
// is not compared, because a browser always puts the address it connected to there (so
// the port stops no page), while proxies in front of the server (the conformance run's
// among them) forward their own port.

import type { Config } from '../config.js';

export interface ServedAddresses {
  /** Host names from --allowed-host (IPv6 bare or bracketed; a name may carry its own port). */
  names: readonly string[];
  /** Where people reach the server (--public-url, or the listen address), scheme and port included. */
  publicUrl: string | null;
  /** The port the request arrived on: the one this server listens on. */
  port: number | undefined;
}

/**
 * What this server answers to, for a request that arrived on `port`. The public URL is
 * read per request: `serve --http` learns its port, and so its address, after listening.
 */
export function servedAddresses(config: Pick<Config, 'http' | 'publicUrl'>, port: number | undefined): ServedAddresses {
  return { names: config.http.allowedHosts, publicUrl: config.publicUrl, port };
}

/** The origins of this server's own pages: each name on the listen port over plain HTTP (this server speaks no TLS), and the public URL's. */
export function ownOrigins(served: ServedAddresses): Set<string> {
  const origins = new Set<string>();
  for (const name of served.names) {
    for (const url of urlsOf(name, served.port)) origins.add(url.origin);
  }
  const publicUrl = parse(served.publicUrl);
  if (publicUrl) origins.add(publicUrl.origin);
  return origins;
}

/** The host names Host headers may carry: the configured names and the public URL's. */
export function ownHostnames(served: Omit<ServedAddresses, 'port'>): Set<string> {
  const names = new Set<string>();
  for (const name of served.names) {
    const url = parse(`http://${urlHost(name)}`);
    if (url) names.add(url.hostname);
  }
  const publicUrl = parse(served.publicUrl);
  if (publicUrl) names.add(publicUrl.hostname);
  return names;
}

/**
 * What an Origin header says about where a request came from: nothing (absent: not a
 * browser, or a same-origin GET), one of this server's own pages, an opaque origin
 * ("null": a page under `Referrer-Policy: no-referrer`, a sandboxed frame, a redirect
 * chain that crossed sites), or somewhere else.
 */
export type OriginVerdict = 'absent' | 'own' | 'opaque' | 'foreign';

export function judgeOrigin(header: string | undefined, served: ServedAddresses): OriginVerdict {
  if (header === undefined) return 'absent';
  if (header.trim() === 'null') return 'opaque';
  const origin = originOf(header);
  return origin !== null && ownOrigins(served).has(origin) ? 'own' : 'foreign';
}

/** The Origin header, normalised (default ports dropped, case folded), or null when it names no origin ("null", garbage). */
export function originOf(header: string): string | null {
  const url = parse(header);
  return url && (url.protocol === 'http:' || url.protocol === 'https:') ? url.origin : null;
}

/** The name in a Host header, normalised as a URL would hold it, or null when it is missing or not a bare host[:port]. */
export function hostnameOf(header: string | undefined): string | null {
  if (!header) return null;
  const url = parse(`http://${header}`);
  // "evil.example/x@localhost" and the like parse, but are not a bare host[:port].
  return url && url.pathname === '/' && !url.username && !url.search && !url.hash ? url.hostname : null;
}

/** A configured name as URLs: on its own port when it names one, else on the listen port. */
function urlsOf(name: string, port: number | undefined): URL[] {
  const host = urlHost(name);
  if (/:\d+$/.test(host)) {
    const http = parse(`http://${host}`);
    const https = parse(`https://${host}`);
    return http && https ? [http, https] : [];
  }
  const url = port === undefined ? null : parse(`http://${host}:${port}`);
  return url ? [url] : [];
}

/** A configured name as a URL's host: a bare IPv6 address gets its brackets. */
function urlHost(name: string): string {
  return (name.match(/:/g)?.length ?? 0) > 1 && !name.startsWith('[') ? `[${name}]` : name;
}

function parse(text: string | null): URL | null {
  if (text === null) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
