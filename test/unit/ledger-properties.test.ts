// Properties of money: random sequences of transfers, holds, posts, voids, expiries and
// retried calls, checked after every step against a model and against the ledger's own
// invariants (total zero, no available balance below zero, one effect per key).
import fc from 'fast-check';
import type { AppContext } from '../../src/context.js';
import { afterEach, describe, expect, it } from 'vitest';
import { countTransfers } from '../../src/db/ledger-store.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { withIdempotency } from '../../src/domain/idempotency.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { createHold, expireDueHolds, postHold, voidHold } from '../../src/domain/ledger/holds.js';
import { getBalance, postTransfer } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { allAccounts } from '../../src/db/ledger-store.js';
import { agent, closeContexts, makeContext, ManualClock, sponsor } from '../support/fixtures.js';
import { mapInOrder } from '../../src/core/in-order.js';

afterEach(closeContexts);

const AGENTS = 4;
const who = fc.integer({ min: 0, max: AGENTS - 1 });
const msats = fc.integer({ min: 1, max: 3_000_000 });
const INITIAL_MSATS = 5_000_000;
const key = fc.option(fc.constantFrom('k1', 'k2', 'k3', 'k4'), { nil: undefined });

type Op =
  | { op: 'fund'; to: number; amount: number }
  | { op: 'pay'; from: number; to: number; amount: number; key?: string }
  | { op: 'hold'; from: number; amount: number; ttlMinutes: number | null; key?: string }
  | { op: 'post'; hold: number; fraction: number }
  | { op: 'void'; hold: number }
  | { op: 'advance'; minutes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('fund' as const), to: who, amount: msats }),
  fc.record({ op: fc.constant('pay' as const), from: who, to: who, amount: msats, key }),
  fc.record({ op: fc.constant('hold' as const), from: who, amount: msats, ttlMinutes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: null }), key }),
  fc.record({ op: fc.constant('post' as const), hold: fc.nat(), fraction: fc.double({ min: 0.01, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant('void' as const), hold: fc.nat() }),
  fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
);

interface ModelHold {
  id: string;
  from: number;
  amount: number;
  expiresAt: number | null;
  open: boolean;
}

describe('ledger properties', () => {
  it('keeps the total at zero, never lets available go negative, and gives each idempotency key one effect', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80 }), async (ops) => {
        await closeContexts();
        const clock = new ManualClock();
        const ctx = await makeContext({ clock });
        const s = await sponsor(ctx);
        const ids = await mapInOrder(
          Array.from({ length: AGENTS }, (_, i) => i),
          async (i) => (await agent(ctx, s.id, `a${i}`)).id,
        );
        await mapInOrder(ids, async (agentId) => fundAgentFromSandbox(ctx.db, ctx.clock, { agentId, amountMsats: INITIAL_MSATS }));
        const balance = new Array<number>(AGENTS).fill(INITIAL_MSATS);
        const held = new Array<number>(AGENTS).fill(0);
        let escrow = 0;
        const holds: ModelHold[] = [];
        const firstResult = new Map<string, { args: string; result: unknown }>();

        const expireModel = () => {
          for (const h of holds) {
            if (h.open && h.expiresAt !== null && h.expiresAt <= clock.now().getTime()) {
              h.open = false;
              held[h.from]! -= h.amount;
            }
          }
        };

        /** Runs a keyed call the way the tool layer does, checking replay and mismatch. */
        const keyed = async <T>(
          caller: number,
          tool: string,
          k: string | undefined,
          args: object,
          run: (db: AppContext['db']) => Promise<T>,
        ): Promise<T | 'replayed' | 'mismatch'> => {
          if (k === undefined) return run(ctx.db);
          const scopeKey = `${caller}/${tool}/${k}`;
          const before = await countTransfers(ctx.db);
          try {
            const { result, replayed } = await withIdempotency(ctx.db, ctx.clock, { callerId: ids[caller]!, tool, key: k, args }, run);
            const earlier = firstResult.get(scopeKey);
            if (earlier) {
              expect(replayed).toBe(true);
              expect(JSON.stringify(args)).toBe(earlier.args); // only identical arguments replay
              expect(result).toEqual(earlier.result);
              expect(await countTransfers(ctx.db)).toBe(before); // a retry never moves money again
              return 'replayed';
            }
            firstResult.set(scopeKey, { args: JSON.stringify(args), result });
            return result;
          } catch (error) {
            const earlier = firstResult.get(scopeKey);
            if ((error as { code?: string }).code === 'IDEMPOTENCY_MISMATCH') {
              expect(earlier && earlier.args !== JSON.stringify(args)).toBe(true);
              expect(await countTransfers(ctx.db)).toBe(before);
              return 'mismatch';
            }
            throw error;
          }
        };

        for (const op of ops) {
          switch (op.op) {
            case 'fund':
              await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: ids[op.to]!, amountMsats: op.amount });
              balance[op.to]! += op.amount;
              break;
            case 'pay': {
              if (op.from === op.to) break;
              const scopeKey = `${op.from}/pay/${op.key}`;
              const willRun = op.key === undefined || !firstResult.has(scopeKey);
              const canPay = balance[op.from]! - held[op.from]! >= op.amount;
              try {
                const outcome = await keyed(
                  op.from,
                  'pay',
                  op.key,
                  { to: op.to, amount: op.amount },
                  async (db) =>
                    (
                      await postTransfer(db, ctx.clock, {
                        debitAccountId: agentAccountId(ids[op.from]!),
                        creditAccountId: agentAccountId(ids[op.to]!),
                        amountMsats: op.amount,
                        entryType: 'Payment',
                      })
                    ).id,
                );
                if (willRun && outcome !== 'replayed' && outcome !== 'mismatch') {
                  expect(canPay).toBe(true);
                  balance[op.from]! -= op.amount;
                  balance[op.to]! += op.amount;
                }
              } catch (error) {
                expect((error as { code?: string }).code).toBe('INSUFFICIENT_FUNDS');
                expect(canPay).toBe(false);
              }
              break;
            }
            case 'hold': {
              expireModel();
              const scopeKey = `${op.from}/hold/${op.key}`;
              const willRun = op.key === undefined || !firstResult.has(scopeKey);
              const canHold = balance[op.from]! - held[op.from]! >= op.amount;
              const expiresAt = op.ttlMinutes === null ? null : clock.now().getTime() + op.ttlMinutes * 60_000;
              try {
                const outcome = await keyed(
                  op.from,
                  'hold',
                  op.key,
                  { amount: op.amount, ttl: op.ttlMinutes },
                  async (db) =>
                    (
                      await createHold(db, ctx.clock, {
                        debitAccountId: agentAccountId(ids[op.from]!),
                        creditAccountId: ESCROW.id,
                        amountMsats: op.amount,
                        entryType: 'Escrow',
                        expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
                      })
                    ).id,
                );
                if (willRun && typeof outcome === 'string' && outcome !== 'replayed' && outcome !== 'mismatch') {
                  expect(canHold).toBe(true);
                  held[op.from]! += op.amount;
                  holds.push({ id: outcome, from: op.from, amount: op.amount, expiresAt, open: true });
                }
              } catch (error) {
                expect((error as { code?: string }).code).toBe('INSUFFICIENT_FUNDS');
                expect(canHold).toBe(false);
              }
              break;
            }
            case 'post':
            case 'void': {
              const h = holds[op.hold % Math.max(1, holds.length)];
              if (!h) break;
              const due = h.expiresAt !== null && h.expiresAt <= clock.now().getTime();
              const amount = op.op === 'post' ? Math.max(1, Math.floor(h.amount * op.fraction)) : 0;
              try {
                if (op.op === 'post') await postHold(ctx.db, ctx.clock, h.id, amount);
                else await voidHold(ctx.db, ctx.clock, h.id);
                expect(h.open && !due).toBe(true);
                h.open = false;
                held[h.from]! -= h.amount;
                balance[h.from]! -= amount;
                escrow += amount;
              } catch (error) {
                expect((error as { code?: string }).code).toBe('CONFLICT');
                expect(h.open && !due).toBe(false);
              }
              break;
            }
            case 'advance':
              clock.advance(op.minutes * 60_000);
              await expireDueHolds(ctx.db, ctx.clock);
              expireModel();
              break;
          }

          // The ledger agrees with the model after every step…
          await mapInOrder(ids, async (id, i) => {
            const b = await getBalance(ctx.db, agentAccountId(id));
            expect(b.balanceMsats).toBe(balance[i]);
            expect(b.heldMsats).toBe(held[i]);
            expect(b.availableMsats).toBeGreaterThanOrEqual(0);
          });
          expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(escrow);
          // …and with double entry: every account summed is zero.
          const total = (await allAccounts(ctx.db)).reduce((sum, a) => sum + a.creditsPostedMsats - a.debitsPostedMsats, 0);
          expect(total).toBe(0);
        }
        expect(await verifyLedger(ctx.db)).toMatchObject({ ok: true, problems: [] });
      }),
      { numRuns: 60 },
    );
  });
});
