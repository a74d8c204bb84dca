// What a transfer is for. The seed's five (SkillUsage, TopUp, Payout, Refund,
// CoalitionSplit) plus the ones the other features need.
export const ENTRY_TYPES = [
  'TopUp', // sponsor funding → agent wallet
  'Deposit', // outside money → sponsor funding or agent wallet (sandbox rail, Lightning)
  'Payment', // agent → agent
  'SkillUsage',
  'Payout', // creator or provider earnings leaving the marketplace
  'Withdrawal', // wallet → Lightning
  'Refund',
  'CoalitionSplit',
  'Hold', // a generic reservation; features use their own type where one fits
  'Escrow',
  'Fee',
  'Reversal', // a correction: the mirror of an earlier transfer
] as const;

export type EntryType = (typeof ENTRY_TYPES)[number];

/**
 * Debits that are not the agent's own choice to spend: corrections, and refunds a dispute
 * ordered (or collected as a debt). They use up no limit or budget of the agent's policy.
 */
export const NOT_LIMITED_ENTRY_TYPES: readonly EntryType[] = ['Reversal', 'Refund'];

/** Debits of these types are not "spend" when computing an agent's daily burn. */
export const NON_SPEND_ENTRY_TYPES: readonly EntryType[] = ['Withdrawal', 'Payout', ...NOT_LIMITED_ENTRY_TYPES];
