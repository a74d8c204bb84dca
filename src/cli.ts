#!/usr/bin/env node
// The `agent-marketplace` command: serve over stdio or HTTP, and the operator's admin
// commands, each declared once in the command table (src/cli/commands.ts). Every admin
// command takes --db and --json (one JSON object on stdout, nothing else); errors exit 1
// with a coded message, usage errors exit 2.
import { COMMANDS } from './cli/commands.js';
import { configFromFlags } from './cli/flag-config.js';
import { renderCommandHelp, renderCommandReference, renderGroupHelp, renderOverview } from './cli/help.js';
import { commandPrefix } from './cli/invocation.js';
import { parseCommandLine, type Invocation } from './cli/parse.js';
import { UsageError } from './cli/usage-error.js';
import { isMarketError, MarketError } from './core/errors.js';
import { openContext } from './runtime.js';
import { VERSION } from './version.js';

function help(invocation: Extract<Invocation, { kind: 'help' }>): string {
  if (invocation.markdown) return renderCommandReference();
  const { topic } = invocation;
  if (topic.kind === 'command') return renderCommandHelp(topic.command);
  if (topic.kind === 'group') return renderGroupHelp(topic.group, topic.commands);
  return renderOverview();
}

/** The command being run, once known: usage errors then point at its own help. */
let running: string | undefined;

async function main(argv: string[]): Promise<number> {
  const invocation = parseCommandLine(argv, COMMANDS);
  if (invocation.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (invocation.kind === 'help') {
    process.stdout.write(help(invocation));
    return 0;
  }
  const { command, flags, args } = invocation;
  running = command.name;
  if (!command.database) return command.run({ flags, args });
  const ctx = await openContext(configFromFlags(flags));
  return command.run({ ctx, flags, args });
}

const wantsJson = process.argv.includes('--json');
main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const message = error.message;
      const about = error.command ?? running;
      if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { code: 'INVALID_INPUT', message } })}\n`);
      process.stderr.write(`agent-marketplace: ${message}\nRun \`${commandPrefix()} ${about ? `${about} --help` : '--help'}\` for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const coded = isMarketError(error) ? error : new MarketError('INTERNAL', error instanceof Error ? error.message : String(error));
    if (!isMarketError(error)) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ error: coded.toJSON() })}\n`);
    process.stderr.write(`agent-marketplace: ${coded.code}: ${coded.message}\n`);
    process.exitCode = 1;
  },
);
