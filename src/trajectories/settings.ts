// The contributor's settings: a small JSON file under the user's config folder (or
// --config FILE), with the local record of contributions beside it. Contributing
// without asking is off until the user turns it on.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { MarketError } from '../core/errors.js';
import { DEFAULT_MIN_QUALITY } from '../domain/trajectories/quality.js';
import { TRAJECTORY_SOURCES } from '../domain/trajectories/trajectory.js';

/** A Lightning address (LUD-16): name@domain. */
const LIGHTNING_ADDRESS = /^[a-z0-9._+-]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i;

export const settingsSchema = z.object({
  /** `contribute --batch` sends without asking only when this is true. */
  auto: z.boolean().default(false),
  min_quality: z.number().min(0).max(1).default(DEFAULT_MIN_QUALITY),
  sources: z
    .array(z.enum(TRAJECTORY_SOURCES))
    .min(1)
    .default([...TRAJECTORY_SOURCES]),
  lightning_address: z.string().regex(LIGHTNING_ADDRESS).nullable().default(null),
});

export type Settings = z.infer<typeof settingsSchema>;

export function defaultSettingsFile(): string {
  return path.join(envPaths('agent-marketplace', { suffix: '' }).config, 'trajectories.json');
}

/** The local record of contributions lives beside the settings. */
export function contributionsDbFile(settingsFile: string): string {
  return path.join(path.dirname(settingsFile), 'trajectory-contributions.db');
}

export function readSettings(file: string): Settings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return settingsSchema.parse({});
    throw new MarketError('INVALID_INPUT', `Could not read the settings file ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new MarketError('INVALID_INPUT', `The settings file ${file} is not JSON. Fix it or delete it (the defaults apply without one).`);
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new MarketError(
      'INVALID_INPUT',
      `The settings file ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Fix it or set the values with \`agent-marketplace trajectories config\`.`,
    );
  }
  return parsed.data;
}

export function writeSettings(file: string, settings: Settings): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Written aside and renamed: a crash never leaves half a settings file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

export interface SettingChanges {
  auto?: string;
  minQuality?: string;
  sources?: string;
  lightningAddress?: string;
}

/** The settings with the changes typed on the command line applied, or INVALID_INPUT naming what is wrong (nothing is written then). */
export function applySettingChanges(current: Settings, c: SettingChanges): Settings {
  const next = { ...current };
  if (c.auto !== undefined) {
    if (c.auto !== 'true' && c.auto !== 'false') throw new MarketError('INVALID_INPUT', `--auto is true or false, not "${c.auto}". Nothing changed.`);
    next.auto = c.auto === 'true';
  }
  if (c.minQuality !== undefined) {
    const q = Number(c.minQuality);
    if (c.minQuality.trim() === '' || !Number.isFinite(q) || q < 0 || q > 1)
      throw new MarketError('INVALID_INPUT', `--min-quality is a number from 0 to 1 (the seed's default is ${DEFAULT_MIN_QUALITY}), not "${c.minQuality}". Nothing changed.`);
    next.min_quality = Math.round(q * 1000) / 1000;
  }
  if (c.sources !== undefined) {
    const names = c.sources
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(TRAJECTORY_SOURCES as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length > 0)
      throw new MarketError(
        'INVALID_INPUT',
        `--sources is a comma-separated list of ${TRAJECTORY_SOURCES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}. Nothing changed.`,
      );
    next.sources = [...new Set(names)] as Settings['sources'];
  }
  if (c.lightningAddress !== undefined) {
    if (c.lightningAddress === 'none') next.lightning_address = null;
    else if (!LIGHTNING_ADDRESS.test(c.lightningAddress))
      throw new MarketError('INVALID_INPUT', `--lightning-address is an address like name@getalby.com (or none to clear it), not "${c.lightningAddress}". Nothing changed.`);
    else next.lightning_address = c.lightningAddress;
  }
  return next;
}
