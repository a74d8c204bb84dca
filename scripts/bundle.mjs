// Bundles the command into one file, dist/cli.js (over tsc's entry module of the same
// name). Loading ~600 small modules was half of every start: an IDE launching the stdio
// server, each admin command, each restart. better-sqlite3 stays outside: it is native.
// The other dist/ modules stay as tsc wrote them for the simulator and benchmarks.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function bundle() {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/cli.ts'],
    outfile: 'dist/cli.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
