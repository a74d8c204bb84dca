// The one error type of the marketplace. Codes are part of the public contract
// (shared/TOOLS.md): agents and scripts branch on them, so they never change meaning.
// It sits below every layer (src/core imports nothing of the project), so the database
// layer throws it as the domain does.
export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'INSUFFICIENT_FUNDS',
  'LIMIT_EXCEEDED',
  'POLICY_DENIED',
  'IDEMPOTENCY_MISMATCH',
  'APPROVAL_EXPIRED',
  'PAYMENT_FAILED',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class MarketError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'MarketError';
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, details: this.details };
  }
}

export function isMarketError(error: unknown): error is MarketError {
  return error instanceof MarketError;
}
