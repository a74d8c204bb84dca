// The redaction module: each rule catches a realistic example, ordinary data that looks
// technical (hashes, npubs, UUIDs, versions, dates) is left alone, and redacted text
// holds nothing a second scan would find.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactText, scanText, scanValue } from '../../src/domain/redaction/index.js';

const EXAMPLES: [rule: string, text: string][] = [
  ['private-key', 'key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n'],
  ['private-key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA'],
  ['aws-access-key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
  ['github-token', 'export GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
  ['github-token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF'],
  ['slack-token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['stripe-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['anthropic-key', 'ANTHROPIC=sk-ant-api03-AbCdEf0123456789GhIjKl_mnop-QRST'],
  ['openai-key', 'sk-proj-4fG7hJ2kL9mN3pQ8rS5tU1vW6xY0zA2bC4dE'],
  ['google-api-key', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['bearer-token', 'Authorization: Bearer 9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c'],
  ['nostr-secret-key', 'nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5'],
  ['wallet-connect-secret', 'nostr+walletconnect://b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4?relay=wss%3A%2F%2Frelay.example&secret=71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c'],
  ['url-credentials', 'postgres://admin:hunter2pass@db.internal:5432/app'],
  ['password', 'password=correct-horse'],
  ['password', '{"passwd": "s3cr3t!x"}'],
  ['secret-assignment', 'OPENAI_API_KEY="Zx81kQp02LmNs7RtVw4Y"'],
  ['secret-assignment', 'client_secret: 8fj3Kd92Lq0Zm4Nx7Pv'],
  ['email', 'mail jane.doe+news@example.co.uk today'],
  ['phone', 'call me on +1 415 555 2671'],
  ['phone', 'ring (415) 555-2671 after six'],
  ['phone', 'Lisbon office +351 912 345 678'],
  ['home-path', 'see /home/alice/projects/app/.env'],
  ['home-path', 'opened /Users/bob/Library/Keychains'],
  ['windows-home-path', 'C:\\Users\\carol\\AppData\\Roaming\\app.json'],
];

const CLEAN = [
  'The printer on floor 3 is jammed again; ticket 12 escalated.',
  'sha256 1f5247d1faf2d3871555c7b474a51ff433cfc664e6d7d14f1c00d251e1f3831c',
  'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6',
  'id 0190a5c2-7d3e-7f00-9a1b-2c3d4e5f6a7b at 2026-11-23T12:00:00Z',
  'upgraded to 1.2.3 then 10.20.30; 12345 rows, 98765 bytes',
  'see ./src/app.ts and /usr/local/bin/node and https://example.com/docs?page=2',
  'the token budget is 4096 and the secret of success is patience',
  'password: see the vault',
];

describe('redaction', () => {
  it.each(EXAMPLES)('catches %s', (rule, text) => {
    const findings = scanText(text);
    expect(findings.map((f) => f.rule)).toContain(rule);
    const { text: redacted } = redactText(text);
    expect(redacted).toContain(`[REDACTED:${rule}]`);
  });

  it.each(CLEAN)('leaves ordinary text alone: %s', (text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('redacts only the secret part of an assignment and keeps the rest', () => {
    expect(redactText('user=ann password=correct-horse ok').text).toBe('user=ann password=[REDACTED:password] ok');
    expect(redactText('postgres://admin:hunter2pass@db/app').text).toBe('postgres://admin:[REDACTED:url-credentials]@db/app');
  });

  it('reports where in a JSON value, keys included, never the value', () => {
    const findings = scanValue({ a: [{ b: 'fine' }, { c: 'write to x@example.org' }], 'odd key': { 'me@example.org': 1 } });
    expect(findings.map((f) => [f.path, f.rule])).toEqual([
      ['$.a[1].c', 'email'],
      ['$["odd key"].{key 0} (key)', 'email'],
    ]);
    expect(JSON.stringify(findings)).not.toContain('example.org');
  });

  it('leaves nothing a second scan would find, whatever surrounds the secrets', () => {
    const planted = fc.constantFrom(...EXAMPLES.map(([, text]) => text));
    const prose = fc.string({ unit: fc.constantFrom(...'abc xyz .,;\n'.split('')), maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(prose, planted), { minLength: 1, maxLength: 5 }), prose, (parts, tail) => {
        const text = parts.map(([p, s]) => `${p} ${s} `).join('') + tail;
        const { text: redacted, findings } = redactText(text);
        expect(findings.length).toBeGreaterThanOrEqual(1);
        expect(scanText(redacted)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
