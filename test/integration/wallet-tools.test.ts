// An agent and its sponsor reading the wallet through a real MCP client.
import { afterEach, describe, expect, it } from 'vitest';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { createHold } from '../../src/domain/ledger/holds.js';
import { postTransfer } from '../../src/domain/ledger/transfers.js';
import { rotateToken } from '../../src/domain/identity/registration.js';
import { ESCROW } from '../../src/domain/ledger/accounts.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

describe('marketplace_check_balance', () => {
  it('shows an agent its balance, what is held and what it can spend', async () => {
    const ctx = await makeContext();
    const { agent: a } = await fundedAgent(ctx, 5_000);
    await createHold(ctx.db, ctx.clock, { debitAccountId: agentAccountId(a.id), creditAccountId: ESCROW.id, amountMsats: 1_200_000, entryType: 'Escrow' });
    const client = await connect(ctx, a.token);
    const { isError, data } = await call(client, 'marketplace_check_balance');
    expect(isError).toBe(false);
    expect(data).toMatchObject({ agent_id: a.id, balance_sats: 5_000, held_sats: 1_200, available_sats: 3_800, runway_days: null, status: 'Active' });
  });

  it('derives runway from the last 7 days of spending and flags LowBalance', async () => {
    const clock = new ManualClock();
    const ctx = await makeContext({ clock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 1_000);
    const other = await agent(ctx, sponsor.id, 'Seller');
    // 700 sats over the window = 100 sats a day; 300 left → 3 days.
    for (let day = 0; day < 7; day++) {
      await postTransfer(ctx.db, ctx.clock, { debitAccountId: agentAccountId(a.id), creditAccountId: agentAccountId(other.id), amountMsats: 100_000, entryType: 'Payment' });
      clock.advance(DAY / 2);
    }
    const client = await connect(ctx, a.token);
    expect((await call(client, 'marketplace_check_balance')).data).toMatchObject({ available_sats: 300, runway_days: 3, status: 'LowBalance' });
    // A week later the old spending is out of the window: no burn, no runway figure.
    clock.advance(8 * DAY);
    expect((await call(client, 'marketplace_check_balance')).data).toMatchObject({ runway_days: null, status: 'Active' });
  });

  it("shows a sponsor every one of its agents, and no one else's", async () => {
    const ctx = await makeContext();
    const { sponsor, agent: first } = await fundedAgent(ctx, 2_000);
    const second = await agent(ctx, sponsor.id, 'Second');
    await fundedAgent(ctx, 9_999); // another sponsor's agent
    const client = await connect(ctx, sponsor.token);
    const { data } = await call(client, 'marketplace_check_balance');
    expect(data.agents.map((w: { agent_id: string }) => w.agent_id).sort()).toEqual([first.id, second.id].sort());
    expect(data.agents.find((w: { agent_id: string }) => w.agent_id === first.id).balance_sats).toBe(2_000);
  });
});

describe('marketplace_ledger_history', () => {
  it("pages through the caller's transfers newest first with an opaque cursor", async () => {
    const ctx = await makeContext();
    const { agent: a } = await fundedAgent(ctx, 100);
    for (let i = 0; i < 4; i++) await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: a.id, amountMsats: (i + 1) * 1000 });
    const client = await connect(ctx, a.token);
    const first = await call(client, 'marketplace_ledger_history', { limit: 3 });
    expect(first.data.items.map((i: { amount_sats: number }) => i.amount_sats)).toEqual([4, 3, 2]);
    expect(first.data.items[0]).toMatchObject({ entry_type: 'TopUp', direction: 'credit', phase: 'posted' });
    const second = await call(client, 'marketplace_ledger_history', { limit: 3, cursor: first.data.next_cursor });
    expect(second.data.items.map((i: { amount_sats: number }) => i.amount_sats)).toEqual([1, 100]);
    expect(second.data.next_cursor).toBeNull();
  });

  it('filters by entry type', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 100);
    const b = await agent(ctx, sponsor.id, 'B');
    await postTransfer(ctx.db, ctx.clock, { debitAccountId: agentAccountId(a.id), creditAccountId: agentAccountId(b.id), amountMsats: 5000, entryType: 'Payment' });
    const client = await connect(ctx, a.token);
    const { data } = await call(client, 'marketplace_ledger_history', { entry_type: 'Payment' });
    expect(data.items).toEqual([expect.objectContaining({ amount_sats: 5, direction: 'debit', counterparty: agentAccountId(b.id) })]);
  });

  it("lets a sponsor read its agents' history but not another sponsor's agent", async () => {
    const ctx = await makeContext();
    const { sponsor, agent: mine } = await fundedAgent(ctx, 10);
    const { agent: theirs } = await fundedAgent(ctx, 10);
    const client = await connect(ctx, sponsor.token);
    expect((await call(client, 'marketplace_ledger_history', { agent_id: mine.id })).data.items).toHaveLength(1);
    expect((await call(client, 'marketplace_ledger_history')).data.items.map((i: { entry_type: string }) => i.entry_type)).toEqual(['TopUp', 'Deposit']);
    const refused = await call(client, 'marketplace_ledger_history', { agent_id: theirs.id });
    expect(refused).toMatchObject({ isError: true, data: { error: { code: 'FORBIDDEN' } } });
  });

  it('answers bad input with INVALID_INPUT and a message that says what to fix', async () => {
    const ctx = await makeContext();
    const { agent: a } = await fundedAgent(ctx, 10);
    const client = await connect(ctx, a.token);
    const badCursor = await call(client, 'marketplace_ledger_history', { cursor: 'not-a-cursor' });
    expect(badCursor).toMatchObject({ isError: true, data: { error: { code: 'INVALID_INPUT' } } });
    expect(badCursor.data.error.message).toMatch(/next_cursor/);
    const tooMany = await call(client, 'marketplace_ledger_history', { limit: 1000 });
    expect(tooMany.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [expect.objectContaining({ path: 'limit' })] } });
    const misspelt = await call(client, 'marketplace_ledger_history', { entrytype: 'Payment' });
    expect(misspelt.data.error.code).toBe('INVALID_INPUT');
    expect(misspelt.data.error.message).toMatch(/entrytype/);
  });
});

describe('identity', () => {
  it('marketplace_whoami names the caller, and a rotated token stops working mid-session', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, a.token);
    expect((await call(client, 'marketplace_whoami')).data).toEqual({ role: 'agent', id: a.id, name: 'Funded agent', sponsor_id: sponsor.id });
    await rotateToken(ctx.db, ctx.clock, { kind: 'agent', id: a.id });
    await expect(client.listTools()).rejects.toThrow();
  });
});
