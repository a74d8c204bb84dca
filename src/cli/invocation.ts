// What to type to run this command again, for the next steps the output prints. `npm
// install` in a clone puts nothing on PATH, so a bare `agent-marketplace …` printed there
// fails with "command not found"; `npx agent-marketplace` finds the clone's own "bin"
// (and a project's dependency) but, run anywhere else, would fetch whatever the registry
// holds under that name. So: the bare name when PATH leads here, npx where npx resolves
// to this installation, else node and the full path, which runs from anywhere.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';
import { shellWord } from './output.js';

const NAME = 'agent-marketplace';
const CLI_PATH = path.join(PACKAGE_ROOT, 'dist', 'cli.js');

function realpath(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function onPath(cli: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && realpath(path.join(dir, NAME)) === cli);
}

/** npx looks in the project around the working directory (the nearest folder with a package.json or node_modules): its own "bin", then its node_modules/.bin. */
function npxFinds(cli: string, cwd: string): boolean {
  const root = realpath(PACKAGE_ROOT);
  if (root !== null && isInside(cwd, root)) return true;
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) || fs.existsSync(path.join(dir, 'node_modules'))) return realpath(path.join(dir, 'node_modules', '.bin', NAME)) === cli;
    if (path.dirname(dir) === dir) return false;
  }
}

/** `agent-marketplace`, `npx agent-marketplace` or `node /path/to/dist/cli.js`: whichever runs this installation from where the user typed. */
export function commandPrefix(env: NodeJS.ProcessEnv = process.env): string {
  const cli = realpath(CLI_PATH);
  if (cli === null) return NAME;
  if (onPath(cli, env)) return NAME;
  // npm runs scripts (npm start) from the package folder; INIT_CWD is where the user typed it.
  const typedIn = path.resolve(env.INIT_CWD || process.cwd());
  const cwd = realpath(typedIn) ?? typedIn;
  if (npxFinds(cli, cwd)) return `npx ${NAME}`;
  return `${shellWord(process.execPath)} ${shellWord(cli)}`;
}
