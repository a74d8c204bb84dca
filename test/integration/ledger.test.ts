import { afterEach, describe, expect, it } from 'vitest';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { createHold, expireDueHolds, postHold, voidHold } from '../../src/domain/ledger/holds.js';
import { getBalance, postTransfer, reverseTransfer } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, closeContexts, fundedAgent, HOUR, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

const sats = (n: number) => n * 1000;

async function setup(clock = new ManualClock()) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: payer } = await fundedAgent(ctx, 1_000);
  const payee = await agent(ctx, sponsor.id, 'Payee');
  return { ctx, clock, payer: agentAccountId(payer.id), payee: agentAccountId(payee.id) };
}

describe('double-entry transfers', () => {
  it('moves money from one wallet to another and keeps the total at zero', async () => {
    const { ctx, payer, payee } = await setup();
    await postTransfer(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: payee, amountMsats: sats(300), entryType: 'Payment' });
    expect((await getBalance(ctx.db, payer)).availableMsats).toBe(sats(700));
    expect((await getBalance(ctx.db, payee)).availableMsats).toBe(sats(300));
    expect(await verifyLedger(ctx.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses to overdraw a wallet and changes nothing', async () => {
    const { ctx, payer, payee } = await setup();
    await expect(postTransfer(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: payee, amountMsats: sats(1_001), entryType: 'Payment' })).rejects.toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS' }),
    );
    expect((await getBalance(ctx.db, payer)).balanceMsats).toBe(sats(1_000));
    expect((await getBalance(ctx.db, payee)).balanceMsats).toBe(0);
  });

  it('corrects with a reversing transfer, never an edit', async () => {
    const { ctx, payer, payee } = await setup();
    const t = await postTransfer(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: payee, amountMsats: sats(100), entryType: 'Payment' });
    const r = await reverseTransfer(ctx.db, ctx.clock, t.id);
    expect(r).toMatchObject({ entryType: 'Reversal', debitAccountId: payee, creditAccountId: payer, reference: t.id });
    expect((await getBalance(ctx.db, payer)).balanceMsats).toBe(sats(1_000));
    expect(() => ctx.db.sqlite!.prepare('UPDATE transfers SET amount_msats = 1 WHERE id = ?').run(t.id)).toThrow(/immutable/);
    expect(() => ctx.db.sqlite!.prepare('DELETE FROM transfers WHERE id = ?').run(t.id)).toThrow(/immutable/);
  });
});

describe('holds (escrow)', () => {
  it('reserves funds so they cannot be spent twice, then posts part and releases the rest', async () => {
    const { ctx, payer, payee } = await setup();
    const hold = await createHold(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: ESCROW.id, amountMsats: sats(800), entryType: 'Escrow' });
    expect(await getBalance(ctx.db, payer)).toMatchObject({ balanceMsats: sats(1_000), heldMsats: sats(800), availableMsats: sats(200) });
    await expect(postTransfer(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: payee, amountMsats: sats(201), entryType: 'Payment' })).rejects.toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS' }),
    );

    await postHold(ctx.db, ctx.clock, hold.id, sats(500));
    expect(await getBalance(ctx.db, payer)).toMatchObject({ balanceMsats: sats(500), heldMsats: 0, availableMsats: sats(500) });
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(sats(500));
    await expect(postHold(ctx.db, ctx.clock, hold.id)).rejects.toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    await expect(voidHold(ctx.db, ctx.clock, hold.id)).rejects.toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('voids once, releasing everything', async () => {
    const { ctx, payer } = await setup();
    const hold = await createHold(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: ESCROW.id, amountMsats: sats(400), entryType: 'Escrow' });
    await voidHold(ctx.db, ctx.clock, hold.id);
    expect(await getBalance(ctx.db, payer)).toMatchObject({ balanceMsats: sats(1_000), heldMsats: 0 });
    await expect(voidHold(ctx.db, ctx.clock, hold.id)).rejects.toThrow(/already voided/);
  });

  it('expires: after its time a hold can no longer be posted and its funds come back', async () => {
    const clock = new ManualClock();
    const { ctx, payer } = await setup(clock);
    const expiresAt = new Date(clock.now().getTime() + HOUR).toISOString();
    const hold = await createHold(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: ESCROW.id, amountMsats: sats(400), entryType: 'Escrow', expiresAt });
    clock.advance(HOUR);
    await expect(postHold(ctx.db, ctx.clock, hold.id)).rejects.toThrow(/already expired/);
    expect(await expireDueHolds(ctx.db, ctx.clock)).toBe(1);
    expect(await getBalance(ctx.db, payer)).toMatchObject({ heldMsats: 0, availableMsats: sats(1_000) });
    expect(await expireDueHolds(ctx.db, ctx.clock)).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('cannot post more than was reserved', async () => {
    const { ctx, payer } = await setup();
    const hold = await createHold(ctx.db, ctx.clock, { debitAccountId: payer, creditAccountId: ESCROW.id, amountMsats: sats(100), entryType: 'Escrow' });
    await expect(postHold(ctx.db, ctx.clock, hold.id, sats(101))).rejects.toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('the database itself', () => {
  it('runs WAL with synchronous=FULL and foreign keys on', async () => {
    const { ctx } = await setup();
    expect(ctx.db.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(ctx.db.sqlite!.pragma('synchronous', { simple: true })).toBe(2);
    expect(ctx.db.sqlite!.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('refuses an overdraft even from code that skips the domain check', async () => {
    const { ctx, payer } = await setup();
    expect(() => ctx.db.sqlite!.prepare('UPDATE accounts SET debits_posted_msats = debits_posted_msats + ? WHERE id = ?').run(sats(1_001), payer)).toThrow(
      /CHECK constraint failed/,
    );
  });
});
