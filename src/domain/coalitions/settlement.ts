// How a coalition's pool is paid out (SEED-RULES "Coalitions"). Shares are floors so
// nobody is paid a part of a unit that was not earned; the remainder goes to the
// coordinator (or the first member), so the payouts always add up to the pool exactly.
import { MarketError } from '../../core/errors.js';

export const PAYMENT_STRUCTURES = ['Equal', 'ProportionalToWork', 'Fixed'] as const;
export type PaymentStructure = (typeof PAYMENT_STRUCTURES)[number];

export interface SettlementMember {
  agentId: string;
  /** Accepted subtask weight; absent means no accepted work (0). */
  weight?: number;
  /** The agreed amount under Fixed; absent means 0. */
  fixedMsats?: number;
}

export interface SettlementInput {
  poolMsats: number;
  structure: PaymentStructure;
  members: SettlementMember[];
  coordinatorId: string | null;
  /**
   * The smallest share, in msats (default 1). Coalitions settle in whole sats (1,000):
   * pools and agreed amounts are whole sats, and each member is told its payout in sats,
   * so the payouts it reads add up to the pool it funded.
   */
  unitMsats?: number;
}

export interface Share {
  agentId: string;
  amountMsats: number;
}

export function settleShares(input: SettlementInput): Share[] {
  const { poolMsats, structure, members, coordinatorId, unitMsats = 1 } = input;
  if (members.length === 0) {
    throw new MarketError('INVALID_INPUT', 'A coalition with no members cannot be settled: invite at least one agent first.');
  }
  const unit = BigInt(unitMsats);
  // From here on every amount is counted in units.
  const pool = inUnits('The coalition pool', poolMsats, unit);
  const counted = members.map((m) => ({ ...m, fixedMsats: m.fixedMsats === undefined ? undefined : Number(inUnits(`The fixed amount of ${m.agentId}`, m.fixedMsats, unit)) }));
  const shares = floorShares(pool, structure, counted, unit);
  const paid = shares.reduce((sum, s) => sum + s, 0n);
  shares[remainderIndex(members, coordinatorId)]! += pool - paid;
  return members.map((m, i) => ({ agentId: m.agentId, amountMsats: Number(shares[i]! * unit) }));
}

/** An amount in msats as a whole number of units; one that is not whole cannot be paid in them. */
function inUnits(what: string, msats: number, unit: bigint): bigint {
  assertWholeAmount(what, msats);
  if (BigInt(msats) % unit !== 0n) throw new MarketError('INVALID_INPUT', `${what} (${msats} msats) is not a whole number of ${unit} msat units.`);
  return BigInt(msats) / unit;
}

function floorShares(pool: bigint, structure: PaymentStructure, members: SettlementMember[], unit: bigint): bigint[] {
  switch (structure) {
    case 'Equal':
      return equalShares(pool, members.length);
    case 'ProportionalToWork':
      return proportionalShares(pool, members);
    case 'Fixed':
      return fixedShares(pool, members, unit);
    default:
      throw new MarketError('INVALID_INPUT', `Unknown payment structure "${String(structure)}": use one of ${PAYMENT_STRUCTURES.join(', ')}.`);
  }
}

function equalShares(pool: bigint, n: number): bigint[] {
  return Array.from({ length: n }, () => pool / BigInt(n));
}

// A coalition whose members have no accepted weight yet still settles, evenly, rather
// than handing the whole pool to the remainder taker.
function proportionalShares(pool: bigint, members: SettlementMember[]): bigint[] {
  const weights = members.map((m) => {
    const weight = m.weight ?? 0;
    assertWholeAmount(`The work weight of ${m.agentId}`, weight);
    return BigInt(weight);
  });
  const total = weights.reduce((sum, w) => sum + w, 0n);
  if (total === 0n) return equalShares(pool, members.length);
  // BigInt because pool · weight can pass 2^53 for pools a safe integer still holds.
  return weights.map((w) => (pool * w) / total);
}

function fixedShares(pool: bigint, members: SettlementMember[], unit: bigint): bigint[] {
  const amounts = members.map((m) => {
    const amount = m.fixedMsats ?? 0;
    assertWholeAmount(`The fixed amount of ${m.agentId}`, amount);
    return BigInt(amount);
  });
  const total = amounts.reduce((sum, a) => sum + a, 0n);
  if (total > pool) {
    throw new MarketError(
      'INVALID_INPUT',
      `The fixed amounts add up to ${total * unit} msats but the pool holds ${pool * unit} msats: lower the agreed amounts or fund a larger pool.`,
      { fixedTotalMsats: String(total * unit), poolMsats: String(pool * unit) },
    );
  }
  return amounts;
}

function remainderIndex(members: SettlementMember[], coordinatorId: string | null): number {
  const coordinator = coordinatorId === null ? -1 : members.findIndex((m) => m.agentId === coordinatorId);
  return coordinator >= 0 ? coordinator : 0;
}

function assertWholeAmount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MarketError('INVALID_INPUT', `${what} must be a whole number ≥ 0, got ${value}.`);
  }
}
