// The command table of `agent-marketplace`: every command, declared once (command-spec.ts)
// in the file of its area. The parser, --help, `help COMMAND`, the usage errors and the
// markdown reference (help.ts) all read this list; in the order here the help lists them.
import type { Command } from './command-spec.js';
import { administrationCommands } from './commands/administration.js';
import { disputeCommands } from './commands/disputes.js';
import { governanceCommands } from './commands/governance.js';
import { providerCommands } from './commands/providers.js';
import { servingCommands } from './commands/serving.js';
import { skillCommands } from './commands/skills.js';
import { trajectoryCommands } from './trajectories.js';

export const COMMANDS: readonly Command[] = [
  ...servingCommands,
  ...administrationCommands,
  ...skillCommands,
  ...disputeCommands,
  ...providerCommands,
  ...governanceCommands,
  ...trajectoryCommands,
];
