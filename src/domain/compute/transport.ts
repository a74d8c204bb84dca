// The compute port: how a job's requests reach providers and their answers come back.
// The job's saga (src/domain/compute/job-run.ts) decides whom to ask, what to pay and
// which answer to use; the transport only carries NIP-90 messages. Its one adapter is
// src/nostr/dvm-transport.ts, over the configured relays, chosen at start-up like the
// payment rail.

/** A job request addressed to one provider. */
export interface ProviderRequest {
  kind: number;
  inputs: { data: string; type: string }[];
  params: Record<string, string>;
  /** The most the job may still pay (NIP-90 `bid`). */
  bidMsats: number;
  providerPubkey: string;
  /** Inputs and params travel encrypted, readable by the provider alone (NIP-90 `encrypted`). */
  encrypted: boolean;
  /** The requester's secret key: requests are signed with it and encrypted answers opened with it. */
  secretKey: Uint8Array;
  /** Unix seconds. */
  createdAt: number;
}

/** What a provider asks to be paid: `msats` as it wrote it (maybe not a number), and its invoice. */
export interface ProviderAmount {
  msats: number;
  bolt11: string | undefined;
}

/**
 * A provider's answer to a request. The transport hands over only answers signed by the
 * provider asked, to the request sent, so the saga never weighs a stranger's word.
 */
export type ProviderMessage =
  /** `content` is null when the provider encrypted it and it could not be opened. */
  | { type: 'result'; content: string | null; amount: ProviderAmount | undefined }
  /** Job feedback (NIP-90 kind 7000): `status` such as processing, payment-required, error; `text` in the provider's words. */
  | { type: 'feedback'; status: string | undefined; text: string | undefined; amount: ProviderAmount | undefined };

/** One job's conversation with the providers; closed when the job ends. */
export interface ComputeLink {
  /**
   * Sends the request and passes the answers to it to `onMessage` until `stop` is
   * called. Listening starts before sending: an answer may come back first.
   */
  ask(request: ProviderRequest, onMessage: (message: ProviderMessage) => void): { requestId: string; stop(): void };
  /** Asks that requests no longer wanted be dropped (NIP-09 deletion); never throws. */
  withdraw(o: { requestIds: string[]; kind: number; secretKey: Uint8Array; reason: string }): Promise<void>;
  close(): void;
}

export interface ComputeTransport {
  /** Why no provider can be reached (no relay configured), or null when it can. */
  unreachable(): string | null;
  open(): ComputeLink;
}
