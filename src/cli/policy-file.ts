// `policy set --file`: the policy document as JSON or YAML (by extension, else by content).
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { MarketError } from '../domain/errors.js';
import { assertStorableInput } from '../domain/input-text.js';

export function readPolicyFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new MarketError('INVALID_INPUT', `Cannot read ${file}: ${(error as Error).message}`);
  }
  let policy: unknown;
  try {
    policy = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new MarketError('INVALID_INPUT', `${file} is not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  // The file was read as UTF-8, but JSON and YAML escapes ("\ud800") can still spell text that cannot be stored.
  assertStorableInput(policy, `policy in ${file}`);
  return policy;
}
