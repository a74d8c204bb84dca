// Skill searches run in a worker thread with its own read-only connection
// (src/db/skill-search.ts). What a user must not notice: a skill approved a moment ago
// is found at once, the answers are the same as a search on the main thread, and a
// closed marketplace leaves no thread behind.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { searchCatalogueNow } from '../../src/domain/skills/search.js';
import { call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';

afterEach(closeContexts);

const threads = () => readdirSync('/proc/self/task').length;

async function until(check: () => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('skill search off the main thread', () => {
  it('finds what was approved a moment ago, answers as the main thread would, and stops with the marketplace', async () => {
    const before = threads();
    const ctx = await makeContext();
    const { agent } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    for (const slug of ['weather-forecast', 'weather-radar', 'sql-helper']) {
      await call(client, 'marketplace_publish_skill', { slug, name: slug, version: '1.0.0', description: `The ${slug} skill.`, pricing: { model: 'Free' } });
      await call(client, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
      await reviewSkillVersion(ctx.db, ctx.clock, { slug, version: '1.0.0', decision: 'approve' });
    }
    const found = await call(client, 'marketplace_search_skills', { query: 'weather', limit: 1 });
    expect(found.data.items.map((i: { slug: string }) => i.slug)).toHaveLength(1);
    expect(found.data).toEqual(await searchCatalogueNow(ctx.db, { query: 'weather', limit: 1 }));
    const next = await call(client, 'marketplace_search_skills', { query: 'weather', limit: 1, cursor: found.data.next_cursor });
    expect([...found.data.items, ...next.data.items].map((i: { slug: string }) => i.slug).sort()).toEqual(['weather-forecast', 'weather-radar']);
    expect(threads()).toBeGreaterThan(before);

    await closeContexts();
    await until(() => threads() <= before);
  });
});
