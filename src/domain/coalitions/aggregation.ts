// How the accepted subtask results of a decomposable task become one result
// (SEED-RULES "Coalitions": Concatenate, Merge of JSON objects, Vote by majority, FirstValid).
import { MarketError } from '../../core/errors.js';

export const AGGREGATIONS = ['Concatenate', 'Merge', 'Vote', 'FirstValid'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export function aggregateResults(aggregation: Aggregation, results: string[]): string {
  if (results.length === 0) {
    throw new MarketError('INVALID_INPUT', 'There are no subtask results to aggregate.');
  }
  switch (aggregation) {
    case 'Concatenate':
      return results.join('\n\n');
    case 'Merge':
      return mergeObjects(results);
    case 'Vote':
      return majority(results);
    case 'FirstValid':
      return firstValid(results);
    default:
      throw new MarketError('INVALID_INPUT', `Unknown aggregation "${String(aggregation)}": use one of ${AGGREGATIONS.join(', ')}.`);
  }
}

function mergeObjects(results: string[]): string {
  const merged: Record<string, unknown> = {};
  results.forEach((result, index) => Object.assign(merged, parseObject(result, index)));
  return JSON.stringify(merged);
}

/** The result as a JSON object, or null when it is not one (and so cannot take part in a Merge). */
export function parseJsonObject(result: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(result);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function parseObject(result: string, index: number): Record<string, unknown> {
  const value = parseJsonObject(result);
  if (value === null) {
    throw new MarketError('INVALID_INPUT', `Result ${index} is not a JSON object, so it cannot be merged: submit a JSON object or choose another aggregation.`, {
      index,
    });
  }
  return value;
}

// Whitespace around an answer is not a different answer; a strict majority is required
// because a plurality among many disagreeing results is not agreement.
function majority(results: string[]): string {
  const counts = new Map<string, number>();
  for (const result of results) {
    const answer = result.trim();
    counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  for (const [answer, count] of counts) {
    if (count * 2 > results.length) return answer;
  }
  throw new MarketError('CONFLICT', `There is no majority among the ${results.length} results: no answer was given by more than half of them.`, {
    votes: Object.fromEntries(counts),
  });
}

function firstValid(results: string[]): string {
  const found = results.find((r) => r.trim() !== '');
  if (found === undefined) {
    throw new MarketError('CONFLICT', `All ${results.length} results are empty: there is no valid result to use.`);
  }
  return found;
}
