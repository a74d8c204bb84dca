// The contributor's own record of what was sent and what it earned (the seed's
// trajectory_contributions table), in a SQLite file beside the settings, so `status` and
// `earnings` answer offline. The marketplace's ledger stays the authority: `status
// --url` refreshes this copy from it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface ContributionRecord {
  contribution_id: string;
  session_id: string;
  source: string;
  trajectory_hash: string;
  nostr_event_id: string | null;
  status: string;
  quality_score: number;
  estimated_reward_sats: number;
  actual_reward_sats: number | null;
  lightning_address: string | null;
  payment_preimage: string | null;
  submitted_at: string;
  updated_at: string;
  paid_at: string | null;
  rejection_reason: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trajectory_contributions (
    contribution_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    source TEXT NOT NULL,
    trajectory_hash TEXT NOT NULL,
    nostr_event_id TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    quality_score REAL NOT NULL,
    estimated_reward_sats INTEGER NOT NULL,
    actual_reward_sats INTEGER,
    lightning_address TEXT,
    payment_preimage TEXT,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    paid_at TEXT,
    rejection_reason TEXT
);
CREATE INDEX IF NOT EXISTS trajectory_contributions_session ON trajectory_contributions (session_id, submitted_at);
`;

const COLUMNS = [
  'contribution_id',
  'session_id',
  'source',
  'trajectory_hash',
  'nostr_event_id',
  'status',
  'quality_score',
  'estimated_reward_sats',
  'actual_reward_sats',
  'lightning_address',
  'payment_preimage',
  'submitted_at',
  'updated_at',
  'paid_at',
  'rejection_reason',
] as const;

export class ContributionStore {
  private constructor(private readonly db: Database.Database) {}

  static open(file: string): ContributionStore {
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    return new ContributionStore(db);
  }

  /** Inserts the contribution, or replaces what was known of it. */
  save(r: ContributionRecord): void {
    this.db
      .prepare(
        `INSERT INTO trajectory_contributions (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})
        ON CONFLICT (contribution_id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'contribution_id' && c !== 'submitted_at')
          .map((c) => `${c} = excluded.${c}`)
          .join(', ')}`,
      )
      .run(r);
  }

  /** Newest first. */
  list(): ContributionRecord[] {
    return this.db.prepare('SELECT * FROM trajectory_contributions ORDER BY submitted_at DESC, contribution_id DESC').all() as ContributionRecord[];
  }

  /** The latest contribution of each session. */
  latestBySession(): Map<string, ContributionRecord> {
    const latest = new Map<string, ContributionRecord>();
    for (const r of this.list()) if (!latest.has(r.session_id)) latest.set(r.session_id, r);
    return latest;
  }

  close(): void {
    this.db.close();
  }
}
