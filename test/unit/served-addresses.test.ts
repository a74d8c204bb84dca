import { describe, expect, it } from 'vitest';
import { hostnameOf, judgeOrigin, originOf, ownHostnames, ownOrigins } from '../../src/http/served-addresses.js';

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];

describe('the addresses this server answers to', () => {
  it('are its names on the port it listens on, over plain HTTP, and no other port or scheme', () => {
    const origins = ownOrigins({ names: LOOPBACK, publicUrl: null, port: 8787 });
    expect([...origins].sort()).toEqual(['http://127.0.0.1:8787', 'http://[::1]:8787', 'http://localhost:8787']);
    for (const page of ['http://localhost:3000', 'https://localhost:8787', 'http://localhost', 'http://127.0.0.2:8787']) expect(origins.has(originOf(page)!), page).toBe(false);
    expect(origins.has(originOf('HTTP://LOCALHOST:8787')!)).toBe(true);
  });

  it('take Host by name: a DNS-rebound name is refused, whatever the port', () => {
    const names = ownHostnames({ names: LOOPBACK, publicUrl: null });
    for (const host of ['localhost:8787', 'LOCALHOST', '[::1]:8787', '127.0.0.1:3000']) expect(names.has(hostnameOf(host)!), host).toBe(true);
    for (const host of ['evil.example:8787', '127.0.0.2', 'localhost.evil.example']) expect(names.has(hostnameOf(host)!), host).toBe(false);
  });

  it('include the public URL, with its scheme and its default port spelled or not, for a server behind a proxy', () => {
    const served = { names: ['market.example'], publicUrl: 'https://market.example', port: 8787 };
    expect(ownOrigins(served).has(originOf('https://market.example')!)).toBe(true);
    expect(ownOrigins(served).has(originOf('http://market.example')!)).toBe(false);
    expect(ownOrigins(served).has(originOf('https://market.example:8443')!)).toBe(false);
    expect(ownHostnames({ names: [], publicUrl: 'https://market.example:8443' }).has(hostnameOf('market.example')!)).toBe(true);
  });

  it('take a name with its own port as given, and a bare IPv6 address', () => {
    const served = { names: ['gateway.lan:9443', '::1'], publicUrl: null, port: 8787 };
    expect(ownOrigins(served)).toEqual(new Set(['http://gateway.lan:9443', 'https://gateway.lan:9443', 'http://[::1]:8787']));
    expect(ownHostnames(served)).toEqual(new Set(['gateway.lan', '[::1]']));
  });

  it('read no origin from "null" or garbage, and no host from a header that is more than host[:port]', () => {
    expect(originOf('null')).toBeNull();
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('not a url')).toBeNull();
    for (const header of [undefined, '', 'evil.example/x', 'a@localhost:8787', 'localhost:8787?x', 'localhost:99999']) expect(hostnameOf(header), String(header)).toBeNull();
  });

  it('judge an Origin header as absent, own, opaque ("null") or foreign', () => {
    const served = { names: LOOPBACK, publicUrl: null, port: 8787 };
    expect(judgeOrigin(undefined, served)).toBe('absent');
    expect(judgeOrigin('http://localhost:8787', served)).toBe('own');
    expect(judgeOrigin('null', served)).toBe('opaque');
    for (const header of ['http://localhost:3000', 'https://evil.example', 'garbage', '']) expect(judgeOrigin(header, served), header).toBe('foreign');
  });
});
