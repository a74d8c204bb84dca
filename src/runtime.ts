// Building an AppContext from configuration: what the CLI, the servers and the tests share.
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase } from './db/open.js';
import { offsetClock, systemClock, type Clock } from './domain/clock.js';
import { ensureSystemAccounts } from './domain/identity/registration.js';
import { createLogger, type Logger } from './core/logger.js';
import { nostrComputeTransport } from './nostr/dvm-transport.js';
import { nwcRail } from './rails/nwc-rail.js';
import { sandboxRail } from './rails/sandbox-rail.js';

export async function openContext(config: Config, overrides: { clock?: Clock; logger?: Logger } = {}): Promise<AppContext> {
  const db = await openDatabase(config.dbPath, { secretKeyFile: config.secretKeyFile });
  const clock = overrides.clock ?? (config.clockOffsetMs ? offsetClock(config.clockOffsetMs) : systemClock);
  await ensureSystemAccounts(db, clock);
  const rail = config.nwcUrl ? nwcRail(config.nwcUrl, { timeoutMs: config.paymentTimeoutMs }) : sandboxRail(db, clock);
  return { db, clock, logger: overrides.logger ?? createLogger(config.logLevel), config, rail, compute: nostrComputeTransport(config.relays) };
}
