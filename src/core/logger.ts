// Logs are JSON lines on stderr: in stdio mode stdout carries only the MCP protocol.
// Below every layer (src/core), so any of them may log.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(level: LogLevel, sink: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (at: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (RANK[at] < RANK[level]) return;
    sink(`${JSON.stringify({ time: new Date().toISOString(), level: at, message, ...fields })}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Libraries (the NWC client, nostr-tools) log with console. In stdio mode stdout carries
 * only protocol, and in either mode the operator should read one kind of log: their lines
 * become ours, JSON on stderr. Chatter goes to debug; their warnings and errors to warn,
 * since the NWC client reports as an error an invoice the wallet does not know, which we
 * ask about on purpose.
 */
export function routeLibraryConsole(logger: Logger): void {
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : safeJson(a))).join(' ');
  for (const level of ['log', 'info', 'debug'] as const) console[level] = (...args: unknown[]) => logger.debug(text(args), { source: 'library' });
  for (const level of ['warn', 'error'] as const) console[level] = (...args: unknown[]) => logger.warn(text(args), { source: 'library' });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
