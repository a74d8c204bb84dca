import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { PAYMENT_STRUCTURES, settleShares, type PaymentStructure } from '../../src/domain/coalitions/settlement.js';

const trio = [{ agentId: 'ann' }, { agentId: 'bob' }, { agentId: 'cat' }];

function amounts(shares: { amountMsats: number }[]): number[] {
  return shares.map((s) => s.amountMsats);
}

describe('coalition settlement (SEED-RULES "Coalitions")', () => {
  it('splits 1000 msats equally among 3 as 333 / 333 / 334, the remainder to the coordinator', () => {
    const shares = settleShares({ poolMsats: 1000, structure: 'Equal', members: trio, coordinatorId: 'cat' });
    expect(shares).toEqual([
      { agentId: 'ann', amountMsats: 333 },
      { agentId: 'bob', amountMsats: 333 },
      { agentId: 'cat', amountMsats: 334 },
    ]);
  });

  it('gives the remainder to the first member when there is no coordinator, or the coordinator is not a member', () => {
    expect(amounts(settleShares({ poolMsats: 1000, structure: 'Equal', members: trio, coordinatorId: null }))).toEqual([334, 333, 333]);
    expect(amounts(settleShares({ poolMsats: 1000, structure: 'Equal', members: trio, coordinatorId: 'funder' }))).toEqual([334, 333, 333]);
  });

  it('pays by accepted subtask weight: 1000 msats by weights 1 / 2 / 0 → 333 + 1 remainder / 666 / 0', () => {
    const members = [
      { agentId: 'ann', weight: 1 },
      { agentId: 'bob', weight: 2 },
      { agentId: 'cat', weight: 0 },
    ];
    expect(amounts(settleShares({ poolMsats: 1000, structure: 'ProportionalToWork', members, coordinatorId: 'ann' }))).toEqual([334, 666, 0]);
  });

  it('falls back to an equal split when nobody has accepted weight', () => {
    const members = trio.map((m) => ({ ...m, weight: 0 }));
    expect(amounts(settleShares({ poolMsats: 1000, structure: 'ProportionalToWork', members, coordinatorId: 'bob' }))).toEqual([333, 334, 333]);
  });

  it('pays the agreed fixed amounts and the rest of the pool to the coordinator', () => {
    const members = [
      { agentId: 'ann', fixedMsats: 400 },
      { agentId: 'bob', fixedMsats: 500 },
    ];
    expect(amounts(settleShares({ poolMsats: 1000, structure: 'Fixed', members, coordinatorId: 'bob' }))).toEqual([400, 600]);
  });

  it('refuses fixed amounts that add up to more than the pool', () => {
    const members = [
      { agentId: 'ann', fixedMsats: 600 },
      { agentId: 'bob', fixedMsats: 500 },
    ];
    expect(() => settleShares({ poolMsats: 1000, structure: 'Fixed', members, coordinatorId: null })).toThrow(/1100 msats but the pool holds 1000/);
  });

  it('refuses an empty coalition, a pool that is not whole msats, and bad weights', () => {
    const invalid = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(MarketError);
        expect((error as MarketError).code).toBe('INVALID_INPUT');
        return;
      }
      expect.fail('expected INVALID_INPUT');
    };
    invalid(() => settleShares({ poolMsats: 1000, structure: 'Equal', members: [], coordinatorId: null }));
    for (const pool of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      invalid(() => settleShares({ poolMsats: pool, structure: 'Equal', members: trio, coordinatorId: null }));
    }
    invalid(() => settleShares({ poolMsats: 1000, structure: 'ProportionalToWork', members: [{ agentId: 'ann', weight: -1 }], coordinatorId: null }));
    invalid(() => settleShares({ poolMsats: 1000, structure: 'Fixed', members: [{ agentId: 'ann', fixedMsats: 0.5 }], coordinatorId: null }));
  });

  it('settles in whole units when asked (coalitions: whole sats), the remainder to the coordinator', () => {
    const shares = settleShares({ poolMsats: 1_000_000, structure: 'Equal', members: trio, coordinatorId: 'cat', unitMsats: 1000 });
    expect(amounts(shares)).toEqual([333_000, 333_000, 334_000]);
    const fixed = [
      { agentId: 'ann', fixedMsats: 400_000 },
      { agentId: 'bob', fixedMsats: 500_000 },
    ];
    expect(amounts(settleShares({ poolMsats: 1_000_000, structure: 'Fixed', members: fixed, coordinatorId: null, unitMsats: 1000 }))).toEqual([500_000, 500_000]);
    expect(() => settleShares({ poolMsats: 1_000_500, structure: 'Equal', members: trio, coordinatorId: null, unitMsats: 1000 })).toThrow(MarketError);
  });

  it('stays exact where pool · weight passes 2^53', () => {
    const pool = Number.MAX_SAFE_INTEGER;
    const members = [
      { agentId: 'ann', weight: 3 },
      { agentId: 'bob', weight: 7 },
    ];
    const [ann, bob] = amounts(settleShares({ poolMsats: pool, structure: 'ProportionalToWork', members, coordinatorId: 'ann' }));
    expect(bob).toBe(Number((BigInt(pool) * 7n) / 10n));
    expect(BigInt(ann!) + BigInt(bob!)).toBe(BigInt(pool));
  });
});

interface Case {
  pool: number;
  structure: PaymentStructure;
  members: { agentId: string; weight: number; fixedMsats: number }[];
  coordinatorId: string | null;
}

// Fixed amounts are drawn as fractions of the pool that sum to at most 1, so they are valid.
const settlementCase: fc.Arbitrary<Case> = fc
  .record({
    pool: fc.integer({ min: 0, max: 1e12 }),
    structure: fc.constantFrom(...PAYMENT_STRUCTURES),
    parts: fc.array(fc.record({ weight: fc.integer({ min: 0, max: 1000 }), fixedPart: fc.integer({ min: 0, max: 1000 }) }), { minLength: 1, maxLength: 20 }),
    coordinator: fc.option(fc.integer({ min: 0, max: 25 }), { nil: null }),
  })
  .map(({ pool, structure, parts, coordinator }) => {
    const fixedTotal = BigInt(parts.reduce((sum, p) => sum + p.fixedPart, 0) || 1);
    const members = parts.map((p, i) => ({
      agentId: `agent-${i}`,
      weight: p.weight,
      fixedMsats: Number((BigInt(pool) * BigInt(p.fixedPart)) / fixedTotal),
    }));
    return { pool, structure, members, coordinatorId: coordinator === null ? null : `agent-${coordinator}` };
  });

function expectedFloor(c: Case, index: number): number {
  const member = c.members[index]!;
  const n = c.members.length;
  if (c.structure === 'Fixed') return member.fixedMsats;
  const totalWeight = c.members.reduce((sum, m) => sum + m.weight, 0);
  if (c.structure === 'Equal' || totalWeight === 0) return Number(BigInt(c.pool) / BigInt(n));
  return Number((BigInt(c.pool) * BigInt(member.weight)) / BigInt(totalWeight));
}

describe('coalition settlement properties', () => {
  it('pays whole non-negative shares, in member order, summing exactly to the pool; only the remainder taker gets more than its floor', () => {
    fc.assert(
      fc.property(settlementCase, (c) => {
        const shares = settleShares({ poolMsats: c.pool, structure: c.structure, members: c.members, coordinatorId: c.coordinatorId });
        expect(shares.map((s) => s.agentId)).toEqual(c.members.map((m) => m.agentId));
        for (const share of shares) expect(Number.isSafeInteger(share.amountMsats) && share.amountMsats >= 0).toBe(true);
        expect(shares.reduce((sum, s) => sum + s.amountMsats, 0)).toBe(c.pool);

        const coordinatorIndex = c.members.findIndex((m) => m.agentId === c.coordinatorId);
        const taker = coordinatorIndex >= 0 ? coordinatorIndex : 0;
        shares.forEach((share, i) => {
          if (i !== taker) expect(share.amountMsats).toBe(expectedFloor(c, i));
        });
        const remainder = shares[taker]!.amountMsats - expectedFloor(c, taker);
        expect(remainder).toBeGreaterThanOrEqual(0);
        if (c.structure !== 'Fixed') expect(remainder).toBeLessThan(c.members.length);
      }),
      { numRuns: 2000 },
    );
  });
});
