// Text the marketplace cannot store as it was sent (a lone UTF-16 surrogate, NUL) is refused
// at the door, naming the field; and text that reaches the ledger anyway is hashed as SQLite
// stores it, so `ledger verify` never mistakes it for tampering.
import { afterEach, describe, expect, it } from 'vitest';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance, postTransfer } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';

afterEach(closeContexts);

async function market() {
  const ctx = await makeContext();
  const { sponsor, agent: payer } = await fundedAgent(ctx, 1_000);
  const payee = await agent(ctx, sponsor.id, 'Payee');
  return { ctx, sponsor, payer, payee };
}

const issuePaths = (data: { error: { details?: { issues?: { path: string }[] } } }) => data.error.details?.issues?.map((i) => i.path);

describe('text that is not well-formed is refused at every tool', () => {
  it('a payment whose memo is a lone surrogate gets INVALID_INPUT naming memo and pays nothing', async () => {
    const { ctx, payer, payee } = await market();
    const client = await connect(ctx, payer.token);
    const { isError, data } = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1, memo: '\ud800' });
    expect(isError).toBe(true);
    expect(data.error.code).toBe('INVALID_INPUT');
    expect(issuePaths(data)).toEqual(['memo']);
    expect(data.error.message).toContain('memo');
    expect((await getBalance(ctx.db, agentAccountId(payer.id))).balanceMsats).toBe(1_000_000);
    expect((await getBalance(ctx.db, agentAccountId(payee.id))).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('a NUL in a memo is refused the same way', async () => {
    const { ctx, payer, payee } = await market();
    const client = await connect(ctx, payer.token);
    const { data } = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1, memo: 'ok\u0000then' });
    expect(data.error.code).toBe('INVALID_INPUT');
    expect(issuePaths(data)).toEqual(['memo']);
    expect((await getBalance(ctx.db, agentAccountId(payee.id))).balanceMsats).toBe(0);
  });

  it('a well-formed memo, emoji and all, still pays', async () => {
    const { ctx, payer, payee } = await market();
    const client = await connect(ctx, payer.token);
    const { isError } = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1, memo: 'thanks 🧨 ｄｏｎｅ' });
    expect(isError).toBe(false);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('looks inside free-form JSON: a bad key or value deep in a policy is named by its path', async () => {
    const { ctx, sponsor, payer } = await market();
    const client = await connect(ctx, sponsor.token);
    const badValue = await call(client, 'marketplace_set_policy', { agent_id: payer.id, policy: { level: 'Autonomous', counterparties: { block: ['ag_ok', 'x\udfff'] } } });
    expect(badValue.data.error.code).toBe('INVALID_INPUT');
    expect(issuePaths(badValue.data)).toEqual(['policy.counterparties.block.1']);
    const badKey = await call(client, 'marketplace_set_policy', { agent_id: payer.id, policy: { level: 'Autonomous', ['\ud83d']: 1 } });
    expect(badKey.data.error.code).toBe('INVALID_INPUT');
    expect(issuePaths(badKey.data)).toEqual(['policy.\\ud83d']);
  });

  it('refuses arguments nested 10,000 deep with INVALID_INPUT, not a crash', async () => {
    const { ctx, sponsor, payer } = await market();
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { x: deep };
    const client = await connect(ctx, sponsor.token);
    const { data } = await call(client, 'marketplace_set_policy', { agent_id: payer.id, policy: deep });
    expect(data.error.code).toBe('INVALID_INPUT');
    expect(data.error.message).toMatch(/deeper than/);
  });
});

describe('the ledger hashes what SQLite stores', () => {
  it('a transfer written with a lone surrogate or a NUL through the domain verifies clean', async () => {
    const { ctx, payer, payee } = await market();
    const from = agentAccountId(payer.id);
    const to = agentAccountId(payee.id);
    for (const memo of ['\ud800', 'a\udc00b', 'end\ud83d', '\udc00\ud800', 'a\u0000b']) {
      await postTransfer(ctx.db, ctx.clock, { debitAccountId: from, creditAccountId: to, amountMsats: 1_000, entryType: 'Payment', memo, description: `memo ${memo}` });
    }
    expect(await verifyLedger(ctx.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('the transfer it returns is the row that was stored', async () => {
    const { ctx, payer, payee } = await market();
    const t = await postTransfer(ctx.db, ctx.clock, {
      debitAccountId: agentAccountId(payer.id),
      creditAccountId: agentAccountId(payee.id),
      amountMsats: 1_000,
      entryType: 'Payment',
      memo: 'x\ud800',
    });
    const stored = ctx.db.sqlite!.prepare('SELECT memo, hash FROM transfers WHERE id = ?').get(t.id) as { memo: string; hash: string };
    expect(stored).toEqual({ memo: t.memo, hash: t.hash });
  });
});
