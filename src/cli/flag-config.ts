// The database and server options as typed, turned into the validated configuration.
import { loadConfig, type Config } from '../config.js';
import { isMarketError } from '../core/errors.js';
import { UsageError } from './usage-error.js';

/** The shared options a command may have been given (flag-sets.ts); a command without a group simply has none of its flags. */
export interface ConfigFlags {
  db?: string;
  'database-url'?: string;
  'secret-key-file'?: string;
  'log-level'?: string;
  host?: string;
  port?: string;
  'allowed-host'?: string[];
  'rate-limit'?: string;
  toolsets?: string;
  'read-only'?: boolean;
  'nwc-url'?: string;
  network?: string;
  relay?: string[];
  'auto-approve-providers'?: boolean;
  'public-url'?: string;
  'skills-dir'?: string[];
  'install-dir'?: string;
  'allow-fetch-host'?: string[];
}

export function configFromFlags(flags: ConfigFlags): Config {
  try {
    return loadConfig({
      db: flags.db,
      databaseUrl: flags['database-url'],
      secretKeyFile: flags['secret-key-file'],
      logLevel: flags['log-level'],
      host: flags.host,
      port: flags.port,
      allowedHosts: flags['allowed-host'],
      rateLimit: flags['rate-limit'],
      toolsets: flags.toolsets,
      readOnly: flags['read-only'],
      nwcUrl: flags['nwc-url'],
      network: flags.network,
      relays: flags.relay,
      autoApproveProviders: flags['auto-approve-providers'],
      publicUrl: flags['public-url'],
      skillDirs: flags['skills-dir'],
      installDir: flags['install-dir'],
      allowFetchHosts: flags['allow-fetch-host'],
    });
  } catch (error) {
    // A setting the operator mistyped is a usage error (exit 2), like a mistyped flag.
    if (isMarketError(error) && error.code === 'INVALID_INPUT') throw new UsageError(error.message);
    throw error;
  }
}
