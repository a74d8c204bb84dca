// Spawned-process tests run the built command, exactly as users do; build it once per run.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  // The same single-file command `npm run build` makes.
  const { bundle } = (await import(new URL('../../scripts/bundle.mjs', import.meta.url).href)) as { bundle: () => Promise<void> };
  await bundle();
}
