/**
 * Who may be paid for a job. Cascade and retries pay each provider they ask; Broadcast
 * lets exactly one provider be paid, and from then on only that provider's result is
 * taken (SEED-RULES: a Broadcast pays only the result it uses).
 */
export class PaymentLock {
  private owner: string | null = null;
  constructor(private readonly exclusive: boolean) {}
  claim(providerId: string): boolean {
    if (!this.exclusive) return true;
    this.owner ??= providerId;
    return this.owner === providerId;
  }
  blocks(providerId: string): boolean {
    return this.exclusive && this.owner !== null && this.owner !== providerId;
  }
}
