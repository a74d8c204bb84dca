// Automatic checks on a bounty submission, each reported on its own so a contributor
// knows exactly what to fix: declared format and count, the samples' shape, the
// bounty's JSON Schema, duplicates (by content hash, within the submission and against
// earlier ones) and secrets or personal data found by the redaction module. Pure, and in
// two parts: prechecking (everything but the duplicates against earlier submissions) is
// the costly part and runs before the write lock is taken; completing it with the hashes
// already contributed is cheap and runs inside.
import vm from 'node:vm';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import safeRegex from 'safe-regex2';
import { canonicalHash } from '../../core/canonical-json.js';
import { MarketError } from '../../core/errors.js';
import { scanValue, ScanBudget } from '../redaction/index.js';
import { repeatsAmbiguousAlternation } from './regex-guard.js';
import type { StoredCheck, StoredVerification } from '../../db/json-columns.js';

/** One automatic check and its outcome, stored with the submission. */
export type Check = StoredCheck;
export type Verification = StoredVerification;

export interface Requirements {
  minSamples: number;
  requiredFormat: string;
  schema: Record<string, unknown> | null;
}

/** Formats whose samples are structured JSON values; every other format's samples are strings. */
const JSON_FORMATS = new Set(['json', 'jsonl', 'ndjson']);
/** How many offending samples a check names before summarising. */
const SHOWN = 5;

/**
 * A bounty's schema is written by its creator and matched against strings its
 * contributors write, on the server's one thread: a pattern that backtracks
 * exponentially would stop every agent's calls. Such patterns are refused when the
 * bounty is created (nested repetition by safe-regex2, repeated overlapping alternation
 * by regex-guard.ts), and every schema check runs under this deadline besides.
 */
export const SCHEMA_CHECK_MS = 250;
const MAX_PATTERN_LENGTH = 500;
const deadline = { context: vm.createContext({ job: () => undefined }), script: new vm.Script('job()') };

/** Runs `job` unless it takes longer than the deadline; false when it was stopped. */
function withinDeadline(job: () => void): boolean {
  deadline.context.job = job;
  try {
    deadline.script.runInContext(deadline.context, { timeout: SCHEMA_CHECK_MS });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return false;
    throw error;
  }
}

/** Every regular expression a schema carries (`pattern` values, `patternProperties` keys), wherever it nests. */
function patternsIn(schema: unknown, found: string[] = []): string[] {
  if (Array.isArray(schema)) schema.forEach((s) => patternsIn(s, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'pattern' && typeof value === 'string') found.push(value);
      if (key === 'patternProperties' && value && typeof value === 'object') found.push(...Object.keys(value));
      patternsIn(value, found);
    }
  }
  return found;
}

const ajv = new Ajv({ allErrors: false, strict: false });
// A CommonJS module: Node's ESM loader hands over its module.exports, which carries the plugin as `default`.
addFormats.default(ajv);
const compiled = new Map<string, ValidateFunction>();

/** Compiles (and caches) a bounty's schema; an unusable schema is the creator's input error. */
export function compileSchema(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new MarketError('INVALID_INPUT', `requirements.schema is not a usable JSON Schema: ${(error as Error).message}`);
    }
    for (const pattern of patternsIn(schema)) {
      if (pattern.length > MAX_PATTERN_LENGTH || !safeRegex(pattern)) {
        throw new MarketError(
          'INVALID_INPUT',
          `requirements.schema has a pattern that can take exponential time on some inputs (nested repetition such as (a+)+, or longer than ${MAX_PATTERN_LENGTH} characters): ${pattern.slice(0, 80)}. Simplify it.`,
        );
      }
      if (repeatsAmbiguousAlternation(pattern)) {
        throw new MarketError(
          'INVALID_INPUT',
          `requirements.schema has a pattern that can take exponential time on some inputs (a repeated group with alternatives, such as (a|a)* or (a|ab)+; only distinct single characters, as in (a|b)*, may alternate there): ${pattern.slice(0, 80)}. Use a character class or move the alternation out of the repetition.`,
        );
      }
    }
    if (compiled.size >= 100) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, validate);
  }
  return validate;
}

export const sampleHash = (sample: unknown): string => canonicalHash(sample);

/** What prechecking found; only verification.ts makes one, and the handler never takes one from a client. */
export interface Precheck {
  /** The requirements it was checked against (see requirementsKey). */
  requirementsKey: string;
  hashes: string[];
  /** Every check but duplicates, in report order. */
  before: Check[];
  secrets: Check;
}

/** A bounty's requirements never change, but the key makes a precheck against other ones unusable. */
export const requirementsKey = (req: Requirements): string => JSON.stringify([req.requiredFormat.toLowerCase(), req.schema]);

/**
 * The costly checks, bounded: the schema by its deadline, the scan for secrets and
 * personal data by its budget (a submission past it is refused with INVALID_INPUT).
 */
export function precheckSubmission(samples: unknown[], metadata: { format: string; sample_count: number }, req: Requirements): Precheck {
  return {
    requirementsKey: requirementsKey(req),
    hashes: samples.map(sampleHash),
    before: [countCheck(samples, metadata), formatCheck(samples, metadata, req), schemaCheck(samples, req)],
    secrets: secretsCheck(samples),
  };
}

/** The report, once the hashes already contributed to the bounty are known. */
export function completeVerification(pre: Precheck, alreadyContributed: Set<string>): Verification {
  const checks: Check[] = [...pre.before, duplicateCheck(pre.hashes, alreadyContributed), pre.secrets];
  return { passed: checks.every((c) => c.passed), checks };
}

function countCheck(samples: unknown[], metadata: { sample_count: number }): Check {
  const passed = samples.length === metadata.sample_count && samples.length > 0;
  return {
    name: 'sample_count',
    passed,
    detail: passed ? `${samples.length} samples, as declared.` : `metadata.sample_count says ${metadata.sample_count} but ${samples.length} samples were sent.`,
  };
}

function formatCheck(samples: unknown[], metadata: { format: string }, req: Requirements): Check {
  const required = req.requiredFormat.toLowerCase();
  if (metadata.format.toLowerCase() !== required) {
    return { name: 'format', passed: false, detail: `The bounty asks for ${required}; metadata.format is ${metadata.format}.` };
  }
  const wanted = JSON_FORMATS.has(required) ? 'a JSON object or array' : 'a string';
  const bad = indexesWhere(samples, (s) => (JSON_FORMATS.has(required) ? s === null || typeof s !== 'object' : typeof s !== 'string'));
  return bad.length === 0
    ? { name: 'format', passed: true, detail: `Every sample is ${wanted} (${required}).` }
    : { name: 'format', passed: false, detail: `Samples ${list(bad)} are not ${wanted}, as ${required} requires.` };
}

function schemaCheck(samples: unknown[], req: Requirements): Check {
  if (!req.schema) return { name: 'schema', passed: true, detail: 'The bounty sets no schema.' };
  const validate = compileSchema(req.schema);
  const failures: string[] = [];
  let failed = 0;
  const finished = withinDeadline(() =>
    samples.forEach((s, i) => {
      if (validate(s)) return;
      failed++;
      const e = validate.errors?.[0];
      if (failures.length < SHOWN) failures.push(`#${i}${e ? ` ${e.instancePath || '(root)'} ${e.message}` : ''}`);
    }),
  );
  if (!finished)
    return {
      name: 'schema',
      passed: false,
      detail: `Checking the samples against the bounty's schema took longer than ${SCHEMA_CHECK_MS} ms; they cannot be verified against it.`,
    };
  return failed === 0
    ? { name: 'schema', passed: true, detail: 'Every sample matches the schema.' }
    : { name: 'schema', passed: false, detail: `${failed} samples do not match the schema: ${failures.join('; ')}${failed > SHOWN ? '; …' : ''}.` };
}

function duplicateCheck(hashes: string[], alreadyContributed: Set<string>): Check {
  const seen = new Set<string>();
  const within: number[] = [];
  const earlier: number[] = [];
  hashes.forEach((h, i) => {
    if (alreadyContributed.has(h)) earlier.push(i);
    else if (seen.has(h)) within.push(i);
    seen.add(h);
  });
  if (within.length === 0 && earlier.length === 0) return { name: 'duplicates', passed: true, detail: 'No duplicates.' };
  const parts = [
    within.length ? `samples ${list(within)} repeat earlier samples of this submission` : '',
    earlier.length ? `samples ${list(earlier)} were already contributed to this bounty` : '',
  ].filter(Boolean);
  return { name: 'duplicates', passed: false, detail: `${capitalise(parts.join('; '))}.` };
}

/** Names where and what kind of secret or personal data was found, never the value itself. */
function secretsCheck(samples: unknown[]): Check {
  const found: string[] = [];
  let count = 0;
  // One budget for the whole submission: a thousand dense samples cost what one large one does.
  const budget = new ScanBudget();
  samples.forEach((s, i) => {
    for (const f of scanValue(s, budget)) {
      count++;
      if (found.length < SHOWN) found.push(`sample #${i} at ${f.path}: ${f.kind} (${f.rule})`);
    }
  });
  return count === 0
    ? { name: 'secrets_pii', passed: true, detail: 'No secrets, personal data or home paths found.' }
    : { name: 'secrets_pii', passed: false, detail: `${count} findings: ${found.join('; ')}${count > SHOWN ? '; …' : ''}. Remove or redact them and submit again.` };
}

function indexesWhere(samples: unknown[], bad: (s: unknown) => boolean): number[] {
  return samples.flatMap((s, i) => (bad(s) ? [i] : []));
}

function list(indexes: number[]): string {
  const shown = indexes
    .slice(0, SHOWN)
    .map((i) => `#${i}`)
    .join(', ');
  return indexes.length > SHOWN ? `${shown} and ${indexes.length - SHOWN} more` : shown;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
