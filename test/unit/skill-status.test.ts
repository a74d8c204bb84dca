import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { allowedTransitions, assertTransition, SKILL_STATUSES, type SkillStatus } from '../../src/domain/skills/status.js';

// SEED-RULES "Skill status workflow", written out as pairs so the test does not share the table it checks.
const ALLOWED = new Set([
  'Draft→PendingReview',
  'PendingReview→InReview',
  'InReview→Approved',
  'InReview→ChangesRequested',
  'InReview→Rejected',
  'Approved→Published',
  'ChangesRequested→PendingReview',
  'Published→Deprecated',
]);

function conflictOf(from: SkillStatus, to: SkillStatus): MarketError {
  try {
    assertTransition(from, to);
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    return error as MarketError;
  }
  throw new Error(`${from} → ${to} should have been refused`);
}

describe('skill status workflow (SEED-RULES)', () => {
  const pairs = SKILL_STATUSES.flatMap((from) => SKILL_STATUSES.map((to) => [from, to] as const));

  it('covers all 64 pairs of the 8 statuses', () => {
    expect(pairs).toHaveLength(64);
  });

  it.each(pairs.filter(([from, to]) => ALLOWED.has(`${from}→${to}`)))('allows %s → %s', (from, to) => {
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(pairs.filter(([from, to]) => !ALLOWED.has(`${from}→${to}`)))('refuses %s → %s with CONFLICT naming the allowed next statuses', (from, to) => {
    const error = conflictOf(from, to);
    expect(error.code).toBe('CONFLICT');
    const allowed = allowedTransitions(from);
    if (allowed.length === 0) expect(error.message).toMatch(/final/);
    for (const next of allowed) expect(error.message).toContain(next);
  });

  it('lists the next statuses of each status', () => {
    expect(allowedTransitions('InReview')).toEqual(['Approved', 'ChangesRequested', 'Rejected']);
    expect(allowedTransitions('Rejected')).toEqual([]);
    expect(allowedTransitions('Deprecated')).toEqual([]);
  });

  it('speaks to the reader', () => {
    expect(conflictOf('Draft', 'Published').message).toBe('A skill version cannot go from Draft to Published: from Draft the next status can only be PendingReview.');
    expect(conflictOf('Rejected', 'PendingReview').message).toBe(
      'A skill version cannot go from Rejected to PendingReview: Rejected is a final status; publish a new version instead.',
    );
  });
});
