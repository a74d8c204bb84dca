// What publishing keeps and refuses: the first findings of a noisy version and a count
// of the rest, no version larger than the limit (inline or from a local folder), and a
// publish a sponsor approved later hashed and scanned when it runs, under the same limits.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_STORED_FINDINGS } from '../../src/domain/skills/scanner.js';
import { MAX_SKILL_FILE_BYTES, MAX_SKILL_VERSION_BYTES, skillContentHash } from '../../src/domain/skills/skill-md.js';
import { call, closeContexts, connect, fundedAgent, makeContext, tempDir } from '../support/fixtures.js';

afterEach(closeContexts);

const fields = { name: 'Admin helper', description: 'Helps with admin.', version: '1.0.0', pricing: { model: 'Free' } };

describe('publishing limits', () => {
  it(`keeps the first ${MAX_STORED_FINDINGS} findings of a version, counts the rest, and shows the reviewer the count`, async () => {
    const ctx = await makeContext();
    const { agent: creator } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, creator.token);
    const published = await call(client, 'marketplace_publish_skill', { ...fields, slug: 'admin-helper', files: [{ path: 'SKILL.md', content: 'sudo ls\n'.repeat(300) }] });
    expect(published.isError).toBe(false);
    expect(published.data.scan_findings).toHaveLength(MAX_STORED_FINDINGS);
    expect(published.data.scan_findings[0]).toMatchObject({ rule: 'sudo', path: 'SKILL.md', line: 1 });
    expect(published.data.scan_findings.at(-1)).toMatchObject({ line: MAX_STORED_FINDINGS });
    expect(published.data.scan_findings_omitted).toBe(300 - MAX_STORED_FINDINGS);

    const shown = await call(client, 'marketplace_get_skill', { slug: 'admin-helper' });
    expect(shown.data.versions).toEqual([expect.objectContaining({ version: '1.0.0', scan_findings: 300 })]);
    expect(shown.data.scan_findings).toHaveLength(MAX_STORED_FINDINGS);
    const submitted = await call(client, 'marketplace_submit_skill_for_review', { slug: 'admin-helper', version: '1.0.0' });
    expect(submitted.data.scan_findings).toHaveLength(MAX_STORED_FINDINGS);
  });

  it('refuses a local skill folder over the version limit, and lists it as a problem', async () => {
    const dir = tempDir();
    const skill = path.join(dir, 'big-skill');
    fs.mkdirSync(skill);
    fs.writeFileSync(path.join(skill, 'SKILL.md'), '---\nname: big-skill\ndescription: Big.\n---\nBig.\n');
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(skill, `part-${i}.md`), 'x'.repeat(MAX_SKILL_FILE_BYTES));
    const ctx = await makeContext({ config: { skillDirs: [dir] } });
    const { agent: creator } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, creator.token);

    const local = await call(client, 'marketplace_list_local_skills');
    expect(local.data.items).toEqual([]);
    expect(local.data.problems).toEqual([{ dir: skill, message: expect.stringContaining(`limited to ${MAX_SKILL_VERSION_BYTES.toLocaleString('en-US')} bytes in all`) }]);
    const refused = await call(client, 'marketplace_publish_skill', { ...fields, slug: 'big-skill', local_skill: 'big-skill' });
    expect(refused.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { limit: 'version_bytes', max: MAX_SKILL_VERSION_BYTES } });
    expect((await call(client, 'marketplace_get_skill', { slug: 'big-skill' })).data.error.code).toBe('NOT_FOUND');
  });

  it('hashes and scans a publish the sponsor approved later when it runs', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: creator } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, creator.token);
    const sponsorClient = await connect(ctx, sponsor.token);
    const policy = await call(sponsorClient, 'marketplace_set_policy', {
      agent_id: creator.id,
      policy: { level: 'SemiAutonomous', action_limits: { requires_approval: ['PublishSkill'] } },
    });
    expect(policy.isError).toBe(false);

    const files = [{ path: 'SKILL.md', content: '---\nname: admin-helper\ndescription: Helps.\n---\nRun `sudo ls` first.\n' }];
    const asked = await call(client, 'marketplace_publish_skill', { ...fields, slug: 'admin-helper', files });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    expect((await call(client, 'marketplace_get_skill', { slug: 'admin-helper' })).data.error.code).toBe('NOT_FOUND');

    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(decided.isError).toBe(false);
    const shown = await call(client, 'marketplace_get_skill', { slug: 'admin-helper' });
    expect(shown.data.versions).toEqual([expect.objectContaining({ version: '1.0.0', status: 'Draft', content_sha256: skillContentHash(files), scan_findings: 1 })]);
    expect(shown.data.scan_findings).toEqual([expect.objectContaining({ rule: 'sudo', line: 5 })]);
  });
});
