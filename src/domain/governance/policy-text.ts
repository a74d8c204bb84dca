// A policy document as a person writes it: JSON or YAML text. `policy set --file` and the
// console's policy editor both read it here, then hand the document to the same
// setAgentPolicy, so both are validated and versioned alike.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { MarketError } from '../../core/errors.js';
import { assertStorableInput } from '../input-text.js';
import type { Policy } from './policy.js';

/** YAML 1.2 reads JSON too; `json` is for a file that says it is JSON, and gets JSON's stricter errors. */
export type PolicyFormat = 'json' | 'yaml';

/** The document the text spells, not yet validated as a policy; `source` names it in errors. */
export function parsePolicyText(text: string, format: PolicyFormat, source: string): unknown {
  let document: unknown;
  try {
    document = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new MarketError('INVALID_INPUT', `${source} is not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  // JSON and YAML escapes ("\ud800") can spell text that cannot be stored.
  assertStorableInput(document, `policy in ${source}`);
  return document;
}

/** The stored policy as YAML, for a person to read and edit. */
export function policyAsYaml(policy: Policy): string {
  return stringifyYaml(policy);
}
