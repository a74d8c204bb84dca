// What the JSON kept in TEXT columns holds. The database owns these shapes: the schema
// types its columns with them (drizzle's `mode: 'json'`, parsed on read and written as
// JSON.stringify wrote them before), the raw-SQL stores read them through `readJson`,
// and the domain builds its own types on them, so a drift between what is written and
// what is read is a compile error instead of a cast. Columns too large to parse on every
// read (a skill version's files, a submission's samples) stay text, typed by what they
// hold (`JsonText<T>`), and are parsed where they are used.
import type { Event } from 'nostr-tools/pure';

declare const holds: unique symbol;

/** JSON text known to hold a T. */
export type JsonText<T> = string & { readonly [holds]: T };

export const toJsonText = <T>(value: T): JsonText<T> => JSON.stringify(value) as JsonText<T>;
export const fromJsonText = <T>(text: JsonText<T>): T => JSON.parse(text) as T;

/** A typed column read by raw SQL (which skips drizzle's mapping): the text as the column's type. */
export const readJson = <T>(text: string): T => JSON.parse(text) as T;

/** A skill's price (TOOLS.md `pricing`), as the skills' pricing schema validated it. */
export interface StoredPricing {
  model: 'Free' | 'OneTime' | 'PerCall' | 'PerToken' | 'Hybrid';
  sats?: number;
  per_call_sats?: number;
  per_1k_input_sats?: number;
  per_1k_output_sats?: number;
}

export interface StoredRevenueSplit {
  creator_pct: number;
  compute_pct: number;
  platform_pct: number;
  referrer_pct: number;
}

/** How a skill version presents itself in the catalogue. */
export interface StoredListing {
  name: string;
  description: string;
  tags: string[];
  icon_url: string | null;
  required_mcp_servers: string[];
}

export interface StoredSkillFile {
  path: string;
  content: string;
}

export interface StoredScanFinding {
  rule: string;
  category: 'secret' | 'dangerous_shell' | 'prompt_injection';
  severity: 'high' | 'medium' | 'low';
  path: string;
  line: number;
  excerpt: string;
}

/** A version's scan: versions published before the scan was bounded hold the bare list of findings. */
export type StoredScan = StoredScanFinding[] | { findings: StoredScanFinding[]; omitted: number };

/** One provider asked for a compute job, and how it went. */
export interface StoredAttempt {
  provider_id: string;
  outcome: 'completed' | 'failed' | 'retry' | 'cancelled';
  /** In our words. */
  detail: string;
  /** What the provider itself said (a NIP-90 error status's text): its own words, untrusted. */
  untrusted_provider_message?: string;
  response_ms?: number;
  /** The NIP-90 request event this attempt published (what a cancellation deletes). */
  request_id?: string;
}

export interface StoredJobInput {
  data: string;
  type: string;
}

export interface StoredBid {
  agent_id: string;
  price_sats: number;
}

export interface StoredEvidence {
  description: string;
  sha256?: string;
}

export interface StoredCheck {
  /** Data samples: sample_count … secrets_pii; trajectories: hash, secrets, quality, duplicates, reward. */
  name: 'sample_count' | 'format' | 'schema' | 'duplicates' | 'secrets_pii' | 'hash' | 'secrets' | 'quality' | 'reward';
  passed: boolean;
  detail: string;
}

export interface StoredVerification {
  passed: boolean;
  checks: StoredCheck[];
}

/** A submission's metadata: the contributor's claims, and for a trajectory what the marketplace itself found. */
export interface StoredSubmissionMetadata {
  [claim: string]: unknown;
  verified?: { quality_score: number; trajectory_hash: string };
}

/** What an approved call answered: the tool's result, or for a call that failed, its error. */
export interface StoredCallResult {
  [field: string]: unknown;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/** A webhook event as queued: sent as this very text (what its signature covers), so it stays text. */
export interface StoredWebhookEvent {
  id: string;
  event: string;
  created_at: string;
  data: Record<string, unknown>;
}

/** A signed Nostr event (a version's signature, a contribution's receipt). */
export type StoredEvent = Event;
