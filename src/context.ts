// Everything a tool, a command or a domain function may need from the outside world,
// chosen at start-up and passed in. Tests build one over a temporary database.
import type { Config } from './config.js';
import type { Db } from './db/connection.js';
import type { Clock } from './domain/clock.js';
import type { ComputeTransport } from './domain/compute/transport.js';
import type { Logger } from './core/logger.js';
import type { PaymentRail } from './domain/payments/rail.js';

export interface AppContext {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Config;
  /** Where money enters and leaves: the sandbox, or the operator's Lightning wallet. */
  rail: PaymentRail;
  /** Where compute jobs go: NIP-90 providers over the configured relays. */
  compute: ComputeTransport;
}
