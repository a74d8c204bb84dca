import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { AGGREGATIONS, aggregateResults, type Aggregation } from '../../src/domain/coalitions/aggregation.js';

function failure(aggregation: Aggregation, results: string[]): MarketError {
  try {
    aggregateResults(aggregation, results);
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    return error as MarketError;
  }
  return expect.fail('expected a MarketError');
}

describe('aggregating subtask results (SEED-RULES "Coalitions")', () => {
  it('refuses an empty list of results for every aggregation', () => {
    for (const aggregation of AGGREGATIONS) expect(failure(aggregation, []).code).toBe('INVALID_INPUT');
  });

  it('Concatenate joins the results with a blank line, in the given order', () => {
    expect(aggregateResults('Concatenate', ['intro', 'body', 'end'])).toBe('intro\n\nbody\n\nend');
    expect(aggregateResults('Concatenate', ['only'])).toBe('only');
  });

  it('Merge combines JSON objects shallowly, later keys winning', () => {
    const merged = aggregateResults('Merge', ['{"title":"Draft","tags":["a"]}', '{"body":"text"}', '{"title":"Final","tags":["b"]}']);
    expect(JSON.parse(merged)).toEqual({ title: 'Final', tags: ['b'], body: 'text' });
  });

  it('Merge refuses a result that is not a JSON object, naming its index', () => {
    for (const bad of ['not json', '[1,2]', 'null', '42', '"text"']) {
      const error = failure('Merge', ['{"a":1}', bad]);
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(/Result 1 /);
      expect(error.details).toEqual({ index: 1 });
    }
  });

  it('Vote returns the answer given by more than half, ignoring surrounding whitespace', () => {
    expect(aggregateResults('Vote', ['yes', ' yes\n', 'no'])).toBe('yes');
    expect(aggregateResults('Vote', ['42'])).toBe('42');
  });

  it('Vote refuses a tie or a mere plurality with CONFLICT', () => {
    for (const results of [
      ['yes', 'no'],
      ['a', 'a', 'b', 'b'],
      ['a', 'a', 'b', 'c', 'd'],
    ]) {
      const error = failure('Vote', results);
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/no majority/);
    }
  });

  it('FirstValid returns the first result that is not blank', () => {
    expect(aggregateResults('FirstValid', ['', '  \n', 'answer', 'later'])).toBe('answer');
  });

  it('FirstValid refuses when every result is blank, with CONFLICT', () => {
    expect(failure('FirstValid', ['', ' ']).code).toBe('CONFLICT');
  });
});
