// The redaction module: each rule catches a realistic example, ordinary data that looks
// technical (hashes, npubs, UUIDs, versions, dates, integers) is left alone, redacted
// text holds nothing a second scan would find, and hostile input cannot stall the scan.
import fc from 'fast-check';
import { nip19 } from 'nostr-tools';
import { describe, expect, it } from 'vitest';
import { redactText, redactValue, scanText, scanValue, type Finding } from '../../src/domain/redaction/index.js';

const EXAMPLES: [rule: string, text: string][] = [
  ['private-key', 'key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n'],
  ['private-key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA'],
  ['private-key', '{"key": "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oL3pGu1\\n-----END EC PRIVATE KEY-----"}'],
  ['aws-access-key', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
  ['github-token', 'export GH=ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
  ['github-token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEF'],
  ['gitlab-token', 'GITLAB=glpat-Xr4c9Qv2Lm8Tn5Wk1Zs7'],
  ['npm-token', '//registry.npmjs.org/:_authToken=npm_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78'],
  ['huggingface-token', 'HF_TOKEN=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'],
  ['slack-token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
  ['stripe-key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['stripe-key', 'rk_live_51H8xYzAbCdEf0123456789'],
  ['anthropic-key', 'ANTHROPIC=sk-ant-api03-AbCdEf0123456789GhIjKl_mnop-QRST'],
  ['openai-key', 'sk-proj-4fG7hJ2kL9mN3pQ8rS5tU1vW6xY0zA2bC4dE'],
  ['google-api-key', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['bearer-token', 'Authorization: Bearer 9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c'],
  ['basic-auth', 'Authorization: Basic YWxpY2U6aHVudGVyMg=='],
  ['nostr-secret-key', 'nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5'],
  [
    'wallet-connect-secret',
    'nostr+walletconnect://b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4?relay=wss%3A%2F%2Frelay.example&secret=71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c',
  ],
  ['wallet-connect-secret', 'NWC_URL=nostr+walletconnect:b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4?relay=wss://relay.example&secret=71a8c14c1407c113'],
  ['url-credentials', 'postgres://admin:hunter2pass@db.internal:5432/app'],
  ['url-credentials', 'REDIS_URL=redis://:s3cretpass@cache:6379'],
  ['password', 'password=correct-horse'],
  ['password', 'POSTGRES_PASSWORD=hunter2'],
  ['password', '{"passwd": "s3cr3t!x"}'],
  ['password', 'password: "letmein"'],
  ['secret-assignment', 'OPENAI_API_KEY="Zx81kQp02LmNs7RtVw4Y"'],
  ['secret-assignment', 'client_secret: 8fj3Kd92Lq0Zm4Nx7Pv'],
  ['secret-assignment', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['secret-assignment', 'lnd macaroon=0201036c6e6402f801030a10b2c1f5e6a8d7c9b0e1f2a3b4'],
  ['email', 'mail jane.doe+news@example.co.uk today'],
  ['phone', 'call me on +1 415 555 2671'],
  ['phone', 'ring (415) 555-2671 after six'],
  ['phone', 'or 415-555-2671'],
  ['phone', 'Lisbon office +351 912 345 678'],
  ['phone', 'London +44 20 7946 0958'],
  ['phone', 'E.164: +14155552671'],
  ['home-path', 'see /home/alice/projects/app/.env'],
  ['home-path', 'opened /Users/bob/Library/Keychains'],
  ['windows-home-path', 'C:\\Users\\carol\\AppData\\Roaming\\app.json'],
  ['windows-home-path', '{"cwd": "C:\\\\Users\\\\carol\\\\src"}'],
  ['windows-home-path', 'C:/Users/carol/src'],
];

/** What data samples carry all the time and must pass the secrets/PII check. */
const CLEAN = [
  'The printer on floor 3 is jammed again; ticket 12 escalated.',
  'sha256 1f5247d1faf2d3871555c7b474a51ff433cfc664e6d7d14f1c00d251e1f3831c',
  'npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6',
  'id 0190a5c2-7d3e-7f00-9a1b-2c3d4e5f6a7b at 2026-11-23T12:00:00Z',
  'upgraded to 1.2.3 then 10.20.30 and v1.2.3-beta.4+build.5; 12345 rows, 98765 bytes',
  'see ./src/app.ts and /usr/local/bin/node and https://example.com/docs?page=2',
  'the token budget is 4096 and the secret of success is patience',
  'password: see the vault',
  'Reset password: click the link we sent',
  'ids 4155552671 and 2125550199, at 1732406400, paid 5000000000 msat',
  '"tokenizer": "meta-llama/Llama-3.1-8B", "token_count": 1234567',
  '"token_hash": "1f5247d1faf2d3871555c7b474a51ff433cfc664e6d7d14f1c00d251e1f3831c"',
  'git clone git@github.com:owner/repo.git',
  'Stripe publishable key pk_live_51HabcdEFGHijklMNOPqrst',
  'https://example.com/home/about and https://example.com/Users/guide',
  'PWD=/work/main',
  'password: string; const password = getPassword(); password=${DB_PASSWORD}',
  'Basic auth is enabled; Bearer tokens expire after an hour',
  'host 192.168.1.100, zip 94103-1234, ISBN 978-3-16-148410-0, 11/23/2026',
  'releases 30.32.0 10.10.0 and scores 1 2 3 4 5 6 7 8 9 0',
];

const secretOf = (text: string, f: Finding) => text.slice(f.start, f.end);

describe('redaction', () => {
  it.each(EXAMPLES)('catches %s', (rule, text) => {
    const findings = scanText(text);
    expect(findings.map((f) => f.rule)).toContain(rule);
    const { text: redacted } = redactText(text);
    expect(redacted).toContain(`[REDACTED:${rule}]`);
    for (const f of findings) expect(redacted).not.toContain(secretOf(text, f));
    expect(scanText(redacted)).toEqual([]);
  });

  it.each(CLEAN)('leaves ordinary text alone: %s', (text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('never reports what it found, only where and which rule', () => {
    for (const [, text] of EXAMPLES) {
      const findings = scanText(text);
      expect(Object.keys(findings[0]!).sort()).toEqual(['end', 'kind', 'rule', 'start']);
      for (const f of findings) expect(JSON.stringify(findings)).not.toContain(secretOf(text, f));
    }
  });

  it('redacts only the secret part of an assignment and keeps the rest', () => {
    expect(redactText('user=ann password=correct-horse ok').text).toBe('user=ann password=[REDACTED:password] ok');
    expect(redactText('postgres://admin:hunter2pass@db/app').text).toBe('postgres://admin:[REDACTED:url-credentials]@db/app');
    expect(redactText('Authorization: Bearer 9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c').text).toBe('Authorization: Bearer [REDACTED:bearer-token]');
  });

  it('merges overlapping findings so no tail of a secret stays in clear', () => {
    // The JWT starts inside the bearer header's value and both end together; one finding remains.
    const text = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const findings = scanText(text);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.end).toBe(text.length);
  });

  describe('JSON values', () => {
    it('reports where in a JSON value, keys included, never the value', () => {
      const findings = scanValue({ a: [{ b: 'fine' }, { c: 'write to x@example.org' }], 'odd key': { 'me@example.org': 1 } });
      expect(findings.map((f) => [f.path, f.rule])).toEqual([
        ['$.a[1].c', 'email'],
        ['$["odd key"].{key 0} (key)', 'email'],
      ]);
      expect(JSON.stringify(findings)).not.toContain('example.org');
    });

    it('knows a secret by its key when the string alone would not tell', () => {
      const sample = {
        user: 'ann',
        password: 'letmein',
        db: { api_key: 'Zx81kQp02LmNs7RtVw4Y', passphrase: 'correct horse battery staple' },
        tokenizer: 'cl100k_base-v2-2024',
        token_hash: '1f5247d1faf2d3871555c7b474a51ff433cfc664e6d7d14f1c00d251e1f3831c',
        max_tokens: 4096,
        settings: { password: '********', confirm_password: 'string' },
      };
      expect(scanValue(sample).map((f) => [f.path, f.rule])).toEqual([
        ['$.password', 'password'],
        ['$.db.api_key', 'secret-assignment'],
        ['$.db.passphrase', 'password'],
      ]);
    });

    it('redacts a copy, keys and values, and the copy scans clean', () => {
      const original = {
        'jane@example.com': 'home /home/jane/notes',
        'joe@example.com': 1,
        password: 'letmein',
        list: ['ok', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
      };
      const { value, findings } = redactValue(original);
      expect(value).toEqual({
        '[REDACTED:email]': 'home [REDACTED:home-path]',
        '[REDACTED:email] (2)': 1,
        password: '[REDACTED:password]',
        list: ['ok', '[REDACTED:github-token]'],
      });
      expect(findings).toHaveLength(5);
      expect(scanValue(value)).toEqual([]);
      expect(original.password).toBe('letmein');
    });

    it('keeps a "__proto__" key a plain key', () => {
      const { value } = redactValue(JSON.parse('{"__proto__": {"polluted": "me@example.org"}}'));
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":"[REDACTED:email]"}}');
    });
  });

  describe('properties', () => {
    const prose = fc.string({ unit: fc.constantFrom(...'abc xyz .,;:=\n'.split('')), maxLength: 40 });

    it('leaves nothing a second scan would find, whatever surrounds the secrets', () => {
      const planted = fc.constantFrom(...EXAMPLES.map(([, text]) => text));
      fc.assert(
        fc.property(fc.array(fc.tuple(prose, planted), { minLength: 1, maxLength: 5 }), prose, (parts, tail) => {
          const text = parts.map(([p, s]) => `${p} ${s} `).join('') + tail;
          const { text: redacted, findings } = redactText(text);
          expect(findings.length).toBeGreaterThanOrEqual(1);
          expect(scanText(redacted)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });

    it('returns findings sorted and apart', () => {
      const planted = fc.constantFrom(...EXAMPLES.map(([, text]) => text), ...CLEAN);
      fc.assert(
        fc.property(fc.array(fc.tuple(prose, planted), { maxLength: 6 }), (parts) => {
          const findings = scanText(parts.map(([p, s]) => p + s).join(''));
          for (let i = 1; i < findings.length; i++) expect(findings[i]!.start).toBeGreaterThanOrEqual(findings[i - 1]!.end);
        }),
        { numRuns: 300 },
      );
    });

    it('finds every nsec and no npub, hash or uuid', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uuid(), (bytes, uuid) => {
          const hex = Buffer.from(bytes).toString('hex');
          expect(scanText(`${nip19.npubEncode(hex)} ${hex} ${uuid} ${Buffer.from(bytes).toString('base64')}`)).toEqual([]);
          expect(scanText(`key ${nip19.nsecEncode(bytes)}`).map((f) => f.rule)).toEqual(['nostr-secret-key']);
        }),
        { numRuns: 300 },
      );
    });

    it('leaves integers, dates and versions alone', () => {
      // Found by this property: read from the US, "0 11" is the 011 international prefix.
      expect(scanText('0.0.0 114901000000000000')).toEqual([]);
      const versions = fc.tuple(fc.nat(99), fc.nat(99), fc.nat(999)).map(([a, b, c]) => `${a}.${b}.${c}`);
      const dates = fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
      const integers = fc.bigInt({ min: 0n, max: 10n ** 18n }).map(String);
      fc.assert(
        fc.property(fc.array(fc.oneof(versions, dates, integers), { minLength: 1, maxLength: 8 }), (tokens) => {
          expect(scanText(tokens.join(' '))).toEqual([]);
        }),
        { numRuns: 500 },
      );
    });
  });

  it('scans hostile input in linear time (a 2 MB sample runs inside a transaction)', () => {
    // Each of these took seconds per 100 kB when a pattern could restart at every character.
    for (const unit of ['a.', 'a-', 'a+', 'x://a:', 'a@b.', 'token_', 'eyJaaaaaaaaaa.']) {
      const text = unit.repeat(Math.ceil(500_000 / unit.length));
      const started = performance.now();
      scanText(text);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
