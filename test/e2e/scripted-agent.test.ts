// Agents that know only what the server tells them. Each runs its own `serve` process over
// stdio and acts from tools/list alone: it calls a tool only once it is listed (opening a
// toolset named in marketplace_enable_toolsets' description when it is not), checks every
// call's arguments against the listed input schema before sending, and learns of the other
// side's moves from its inbox. Together they do the seven tasks of the card (check balance,
// search skills, install a skill, hire an agent, create a bounty, propose a coalition, file
// a dispute) and the counterparts' sides, and no call fails or is made only to look something up.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ResourceUpdatedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { call, closeContexts, connect, fundedAgent, agent as newAgent, makeContext } from '../support/fixtures.js';
import { callOnProcess, cliJson, closeServerProcesses, serverProcess } from '../support/processes.js';

afterEach(async () => {
  await closeServerProcesses();
  await closeContexts();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

/** Tools a model would call only to discover what the server should have told it. */
const LOOKUPS = /^marketplace_(list_|get_|find_)/;

interface InboxItem {
  kind: string;
  action: string;
  toolset: string;
  arguments: Record<string, unknown>;
}

class ScriptedAgent {
  readonly log: string[] = [];
  private tools = new Map<string, Tool>();
  private constructor(
    readonly name: string,
    readonly client: Client,
  ) {}

  static async start(name: string, db: string, token: string): Promise<ScriptedAgent> {
    const a = new ScriptedAgent(name, await serverProcess(db, token));
    await a.relist();
    return a;
  }

  get listed(): string[] {
    return [...this.tools.keys()];
  }

  private async relist(): Promise<void> {
    this.tools = new Map((await this.client.listTools()).tools.map((t) => [t.name, t]));
  }

  /** The toolset whose one-line description in marketplace_enable_toolsets mentions the topic. */
  private toolsetAbout(topic: RegExp): string {
    const description = this.tools.get('marketplace_enable_toolsets')!.description!;
    const groups = [...description.matchAll(/(\w+) \(([^)]*)\)/g)].filter(([, , says]) => topic.test(says!));
    expect(
      groups.map(([, name]) => name),
      `${this.name}: one group about ${topic} in "${description}"`,
    ).toHaveLength(1);
    return groups[0]![1]!;
  }

  /** Opens the toolset that holds a tool when the tool is not listed yet. */
  private async open(toolset: string): Promise<void> {
    await this.use('marketplace_enable_toolsets', { toolsets: [toolset] });
    await this.relist();
  }

  /** Calls a listed tool with arguments its listed schema accepts; any refusal fails the test. */
  async use(tool: string, args: Record<string, unknown>, topic?: RegExp): Promise<any> {
    if (!this.tools.has(tool) && topic) await this.open(this.toolsetAbout(topic));
    const listed = this.tools.get(tool);
    expect(listed, `${this.name}: ${tool} is in tools/list (${this.listed.join(', ')})`).toBeDefined();
    const valid = ajv.validate(listed!.inputSchema, args);
    expect(valid, `${this.name}: ${tool} arguments fit the listed schema: ${ajv.errorsText()}`).toBe(true);
    this.log.push(tool);
    const answer = await callOnProcess(this.client, tool, args);
    expect(answer.isError, `${this.name}: ${tool} → ${JSON.stringify(answer.data)}`).toBe(false);
    return answer.data;
  }

  /** The one waiting item of this kind; the inbox is the agent's only way to learn of it. */
  async waiting(kind: string): Promise<InboxItem> {
    const items: InboxItem[] = (await this.use('marketplace_inbox', {})).items;
    const found = items.filter((i) => i.kind === kind);
    expect(found, `${this.name}: one ${kind} in ${JSON.stringify(items)}`).toHaveLength(1);
    return found[0]!;
  }

  /** Answers an inbox item: the tool it names (its toolset opened if need be), its arguments, plus the answer. */
  async answer(item: InboxItem, answer: Record<string, unknown> = {}): Promise<any> {
    if (!this.tools.has(item.action)) await this.open(item.toolset);
    return this.use(item.action, { ...item.arguments, ...answer });
  }
}

/** Resolves when the client hears that its inbox changed. */
function inboxChange(client: Client): Promise<void> {
  return new Promise((resolve) =>
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      if (n.params.uri === 'marketplace://inbox') resolve();
    }),
  );
}

const SKILL_FILES = [{ path: 'SKILL.md', content: '---\nname: pr-review\ndescription: Reviews a pull request.\n---\n\nRead the diff, then comment.\n' }];

describe('an agent that knows only tools/list', () => {
  it('does the seven card tasks and each counterpart answers from its inbox, with no failing call and no lookups', async () => {
    // The world a session finds: a reviewed skill on sale, and three agents of one sponsor.
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: creator } = await fundedAgent(ctx, 0);
    const creatorClient = await connect(ctx, creator.token);
    await call(creatorClient, 'marketplace_publish_skill', {
      slug: 'pr-review',
      name: 'PR review',
      description: 'Reviews a pull request.',
      version: '1.0.0',
      pricing: { model: 'OneTime', sats: 200 },
      files: SKILL_FILES,
    });
    await call(creatorClient, 'marketplace_submit_skill_for_review', { slug: 'pr-review', version: '1.0.0' });
    expect((await cliJson(['skills', 'review', 'pr-review', '--version', '1.0.0', '--decision', 'approve', '--json', '--db', ctx.db.path])).code).toBe(0);
    const { agent: hirerIdentity } = await fundedAgent(ctx, 30_000);
    const workerIdentity = await newAgent(ctx, sponsor.id, 'Worker');
    const memberIdentity = await newAgent(ctx, sponsor.id, 'Member');
    const db = ctx.db.path;
    const [hirer, worker, member] = await Promise.all([
      ScriptedAgent.start('hirer', db, hirerIdentity.token),
      ScriptedAgent.start('worker', db, workerIdentity.token),
      ScriptedAgent.start('member', db, memberIdentity.token),
    ]);
    // Hiring, coalitions, bounties and disputes are not in the default list: the agents open them.
    for (const hidden of ['marketplace_hire_agent', 'marketplace_propose_coalition', 'marketplace_create_bounty', 'marketplace_file_dispute']) {
      expect(hirer.listed).not.toContain(hidden);
    }

    // 1. Check balance.
    expect(await hirer.use('marketplace_check_balance', {})).toMatchObject({ balance_sats: 30_000, available_sats: 30_000 });

    // 2. Search skills; 3. install the one found.
    const found = await hirer.use('marketplace_search_skills', { query: 'review a pull request' });
    expect(found.items.map((s: { slug: string }) => s.slug)).toEqual(['pr-review']);
    expect(await hirer.use('marketplace_install_skill', { slug: found.items[0].slug, idempotency_key: 'install-pr-review' })).toMatchObject({ installed: true, cost_sats: 200 });

    // 4. Hire an agent. The worker says what it does; the hirer asks for the skill, names no one.
    await worker.use('marketplace_update_profile', { description: 'Reviews TypeScript pull requests.', skills: ['code-review'], price_hint_sats: 2_000 }, /hire/i);
    const hired = await hirer.use(
      'marketplace_hire_agent',
      { task: { description: 'Review PR #12 of our parser.', required_skills: ['code-review'], max_budget_sats: 2_000 }, idempotency_key: 'hire-pr-12' },
      /hire/i,
    );
    expect(hired).toMatchObject({ status: 'Proposed', agent_id: workerIdentity.id });
    // The worker finds the offer, accepts, and delivers; the hirer finds the delivery and pays.
    await worker.answer(await worker.waiting('contract_offered'), { action: 'accept', idempotency_key: 'accept-pr-12' });
    await worker.answer(await worker.waiting('contract_to_deliver'), { result: 'Two nits; otherwise good.' });
    expect(await hirer.answer(await hirer.waiting('delivery_to_review'), { decision: 'accept', rating: 4, idempotency_key: 'review-pr-12' })).toMatchObject({
      status: 'Completed',
    });

    // 5. Create a bounty.
    const bounty = await hirer.use(
      'marketplace_create_bounty',
      {
        title: 'Labelled reviews',
        description: 'Code review comments labelled useful or not.',
        reward_sats: 1_000,
        requirements: { min_samples: 10, required_format: 'json' },
        idempotency_key: 'bounty-1',
      },
      /bount/i,
    );
    expect(bounty).toMatchObject({ status: 'Active', escrow_sats: 1_000 });

    // 6. Propose a coalition and invite the member, who hears of it without polling and joins.
    const heard = inboxChange(member.client);
    await member.client.subscribeResource({ uri: 'marketplace://inbox' });
    const coalition = await hirer.use(
      'marketplace_propose_coalition',
      { coalition_type: 'AdHoc', task_description: 'Document the parser.', target_member_count: 1, payment_structure: 'Equal', pool_sats: 1_000, idempotency_key: 'coalition-1' },
      /coalition|team/i,
    );
    await hirer.use('marketplace_invite_to_coalition', { coalition_id: coalition.coalition_id, agent_id: memberIdentity.id });
    await heard;
    expect(await member.answer(await member.waiting('coalition_invitation'))).toMatchObject({ coalition_id: coalition.coalition_id, status: 'Active' });

    // 7. File a dispute over the paid contract; the worker finds it and answers.
    const dispute = await hirer.use(
      'marketplace_file_dispute',
      {
        dispute_type: 'QualityIssue',
        subject: { kind: 'contract', id: hired.contract_id },
        amount_sats: 500,
        evidence: [{ description: 'One of the nits was wrong.' }],
        idempotency_key: 'dispute-1',
      },
      /dispute/i,
    );
    expect(dispute).toMatchObject({ status: 'Open', respondent_id: workerIdentity.id });
    expect(await worker.answer(await worker.waiting('dispute_to_answer'), { response: 'Both nits hold; see the style guide.' })).toMatchObject({
      untrusted_response: 'Both nits hold; see the style guide.',
    });

    // Nothing was looked up: every id came from an answer or an inbox item.
    for (const a of [hirer, worker, member]) {
      expect(
        a.log.filter((t) => LOOKUPS.test(t)),
        `${a.name}: ${a.log.join(', ')}`,
      ).toEqual([]);
    }
    expect(await hirer.use('marketplace_check_balance', {})).toMatchObject({ balance_sats: 30_000 - 200 - 2_000 });
  });
});
