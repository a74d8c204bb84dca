// `npm run bench` (part 2): the skills catalogue at 100,000 skills. Search p50/p99 and
// install + usage throughput, each beside the bare SQLite statement(s) doing the same
// work, so the table shows what the marketplace's own layers cost as a ratio.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../dist/config.js';
import { fundAgentFromSandbox } from '../dist/domain/agents/funding.js';
import { setPolicy } from '../dist/domain/governance/policies.js';
import { createAgent, createSponsor } from '../dist/domain/identity/registration.js';
import { silentLogger } from '../dist/domain/logger.js';
import { publishSkill, reviewSkillVersion, submitForReview } from '../dist/domain/skills/catalogue.js';
import { toFtsQuery } from '../dist/domain/fts-query.js';
import { installSkill, recordSkillUsage } from '../dist/domain/skills/installs.js';
import { searchCatalogue } from '../dist/domain/skills/search.js';
import { openContext } from '../dist/runtime.js';

const SKILLS = Number(process.env.BENCH_SKILLS ?? 100_000);
const QUERIES = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-bench-skills-'));
const ctx = openContext(loadConfig({ db: path.join(dir, 'bench.db') }, {}), { logger: silentLogger });
const sponsor = createSponsor(ctx.db, ctx.clock, { name: 'bench' });
const author = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'author' });

// A Zipf-like vocabulary: a few words are everywhere (broad queries), most are rare.
let seed = 42;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const VOCAB = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36).slice(-3)}`);
const word = () => VOCAB[Math.floor(VOCAB.length * random() ** 3)];
const words = (n) => Array.from({ length: n }, word).join(' ');

console.log(`seeding ${SKILLS.toLocaleString()} skills…`);
const seeded = Date.now();
const insertSkill = ctx.db.sqlite.prepare(
  `INSERT INTO skills (id, slug, name, description, tags, author_id, author_kind, pricing, reference_price_sats, revenue_split, latest_version,
     rating_sum, rating_count, installs, created_at, updated_at)
   VALUES (?, ?, ?, ?, ?, ?, 'agent', '{"model":"Free"}', 0, '{"creator_pct":60,"compute_pct":25,"platform_pct":10,"referrer_pct":5}', '1.0.0', ?, ?, ?, ?, ?)`,
);
const insertFts = ctx.db.sqlite.prepare('INSERT INTO skills_fts (rowid, name, description, tags, readme) VALUES (?, ?, ?, ?, ?)');
ctx.db.write(() => {
  const now = new Date().toISOString();
  for (let i = 0; i < SKILLS; i++) {
    const name = words(3);
    const description = words(14);
    const tags = [word(), word(), word()];
    const ratings = Math.floor(random() * 20);
    const { lastInsertRowid } = insertSkill.run(`sk_bench_${i}`, `bench-${i}`, name, description, JSON.stringify(tags), author.id, ratings * 4, ratings, Math.floor(random() * 1000), now, now);
    insertFts.run(lastInsertRowid, name, description, tags.join(' '), words(40));
  }
});
console.log(`seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);

const rawSearch = ctx.db.sqlite.prepare(
  `SELECT s.rowid, s.slug FROM skills_fts JOIN skills s ON s.rowid = skills_fts.rowid
   WHERE skills_fts MATCH ? AND s.latest_version IS NOT NULL
   ORDER BY bm25(skills_fts, 10.0, 4.0, 3.0, 1.0) * (1.0 + (CASE WHEN s.rating_count > 0 THEN s.rating_sum * 1.0 / s.rating_count ELSE 0 END) / 10.0) * (1.0 + ln(1.0 + s.installs) / 10.0)
   LIMIT 21`,
);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function timeEach(queries, fn) {
  const times = [];
  for (const q of queries) {
    const t = process.hrtime.bigint();
    fn(q);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

const rows = [];
const kinds = {
  'specific term': () => VOCAB[1000 + Math.floor(random() * 4000)],
  'broad term': () => VOCAB[Math.floor(random() * 5)],
  'two terms': () => `${word()} ${word()}`,
  '3-char prefix': () => VOCAB[Math.floor(random() * 50)].slice(0, 3),
};
for (const [kind, make] of Object.entries(kinds)) {
  const queries = Array.from({ length: QUERIES }, make);
  const marketplace = timeEach(queries, (q) => searchCatalogue(ctx.db, { query: q, limit: 20 }));
  const raw = timeEach(queries, (q) => {
    const match = toFtsQuery(q);
    if (match) rawSearch.all(match);
  });
  rows.push({
    name: `search: ${kind}`,
    p50_ms: +percentile(marketplace, 50).toFixed(3),
    p99_ms: +percentile(marketplace, 99).toFixed(3),
    raw_p50_ms: +percentile(raw, 50).toFixed(3),
    raw_p99_ms: +percentile(raw, 99).toFixed(3),
    ratio_p50: +(percentile(marketplace, 50) / percentile(raw, 50)).toFixed(2),
  });
}

// Install + 10 uses of a PerCall skill, through the domain (hash and signature checks,
// policy-free domain calls, split transfers, usage rows) versus the bare statements.
const user = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'user' });
fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: user.id, amountMsats: 1e12 });
setPolicy(ctx.db, ctx.clock, user.id, { level: 'Autonomous' }, 'bench');
const INSTALLS = 300;
for (let i = 0; i < INSTALLS; i++) {
  publishSkill(ctx.db, ctx.clock, { id: author.id, kind: 'agent' }, {
    slug: `metered-${i}`,
    version: '1.0.0',
    listing: { name: `Metered ${i}`, description: 'bench', tags: [], icon_url: null, required_mcp_servers: [] },
    pricing: { model: 'PerCall', per_call_sats: 10 },
  });
  submitForReview(ctx.db, author.id, `metered-${i}`, '1.0.0');
  reviewSkillVersion(ctx.db, ctx.clock, { slug: `metered-${i}`, version: '1.0.0', decision: 'approve' });
}
let started = process.hrtime.bigint();
for (let i = 0; i < INSTALLS; i++) {
  installSkill(ctx.db, ctx.clock, { agentId: user.id, slug: `metered-${i}` });
  for (let u = 0; u < 10; u++) recordSkillUsage(ctx.db, ctx.clock, { agentId: user.id, slug: `metered-${i}`, calls: 1 });
}
const domainSeconds = Number(process.hrtime.bigint() - started) / 1e9;

const raw = {
  install: ctx.db.sqlite.prepare(`INSERT INTO skill_installs (agent_id, skill_id, version, installed_at) VALUES (?, ?, '1.0.0', ?)`),
  count: ctx.db.sqlite.prepare('UPDATE skills SET installs = installs + 1 WHERE id = ?'),
  transfer: ctx.db.sqlite.prepare(
    `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount_msats, entry_type, phase, created_at, prev_hash, hash)
     VALUES ((SELECT COALESCE(max(seq), 0) + 1 FROM transfers), ?, ?, ?, ?, 'SkillUsage', 'posted', ?, '', '')`,
  ),
  balance: ctx.db.sqlite.prepare('UPDATE accounts SET debits_posted_msats = debits_posted_msats + ? WHERE id = ?'),
  credit: ctx.db.sqlite.prepare('UPDATE accounts SET credits_posted_msats = credits_posted_msats + ? WHERE id = ?'),
  usage: ctx.db.sqlite.prepare(
    `INSERT INTO skill_usage (id, skill_id, agent_id, kind, calls, input_tokens, output_tokens, cost_sats, creator_sats, compute_sats, platform_sats, referrer_sats, created_at)
     VALUES (?, ?, ?, 'usage', 1, 0, 0, 10, 9, 0, 1, 0, ?)`,
  ),
};
const rawUser = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'raw user' });
fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: rawUser.id, amountMsats: 1e12 });
const skillIds = ctx.db.sqlite.prepare("SELECT id FROM skills WHERE slug LIKE 'metered-%'").all().map((r) => r.id);
let n = 0;
started = process.hrtime.bigint();
for (const skillId of skillIds) {
  const now = new Date().toISOString();
  ctx.db.write(() => {
    raw.install.run(rawUser.id, skillId, now);
    raw.count.run(skillId);
  });
  for (let u = 0; u < 10; u++) {
    ctx.db.write(() => {
      for (const [to, msats] of [[`agent:${author.id}`, 9000], ['platform:revenue', 1000]]) {
        raw.transfer.run(`raw_${n++}`, `agent:${rawUser.id}`, to, msats, now);
        raw.balance.run(msats, `agent:${rawUser.id}`);
        raw.credit.run(msats, to);
      }
      raw.usage.run(`raw_usage_${n}`, skillId, rawUser.id, now);
    });
  }
}
const rawSeconds = Number(process.hrtime.bigint() - started) / 1e9;
const operations = INSTALLS * 11;
rows.push({
  name: 'install + 10 usages (ops/s)',
  ops_per_s: Math.round(operations / domainSeconds),
  raw_ops_per_s: Math.round(operations / rawSeconds),
  ratio: +(domainSeconds / rawSeconds).toFixed(2),
});

console.table(rows);
const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `skills-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ node: process.version, cpus: os.cpus().length, skills: SKILLS, rows }, null, 2));
console.log(`wrote ${file}`);
ctx.db.close();
fs.rmSync(dir, { recursive: true, force: true });
