// `policy set --file`: the policy document as JSON or YAML (by extension, else by content).
import fs from 'node:fs';
import { MarketError } from '../core/errors.js';
import { parsePolicyText } from '../domain/governance/policy-text.js';

export function readPolicyFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new MarketError('INVALID_INPUT', `Cannot read ${file}: ${(error as Error).message}`);
  }
  return parsePolicyText(text, /\.json$/i.test(file) ? 'json' : 'yaml', file);
}
