// The review workflow a skill version goes through (SEED-RULES "Skill status workflow").
// Only these moves exist; anything else is a CONFLICT that names the moves that do.
import { MarketError } from '../../core/errors.js';

export const SKILL_STATUSES = ['Draft', 'PendingReview', 'InReview', 'Approved', 'Published', 'ChangesRequested', 'Rejected', 'Deprecated'] as const;

export type SkillStatus = (typeof SKILL_STATUSES)[number];

const NEXT: Record<SkillStatus, readonly SkillStatus[]> = {
  Draft: ['PendingReview'],
  PendingReview: ['InReview'],
  InReview: ['Approved', 'ChangesRequested', 'Rejected'],
  Approved: ['Published'],
  Published: ['Deprecated'],
  ChangesRequested: ['PendingReview'],
  Rejected: [],
  Deprecated: [],
};

export function allowedTransitions(from: SkillStatus): readonly SkillStatus[] {
  return NEXT[from] ?? [];
}

export function canTransition(from: SkillStatus, to: SkillStatus): boolean {
  return allowedTransitions(from).includes(to);
}

export function assertTransition(from: SkillStatus, to: SkillStatus): void {
  if (canTransition(from, to)) return;
  const allowed = allowedTransitions(from);
  const next = allowed.length === 0 ? `${from} is a final status; publish a new version instead` : `from ${from} the next status can only be ${allowed.join(' or ')}`;
  throw new MarketError('CONFLICT', `A skill version cannot go from ${from} to ${to}: ${next}.`, { from, to, allowed: [...allowed] });
}
