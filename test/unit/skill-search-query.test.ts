import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_QUERY_TOKENS, toFtsQuery } from '../../src/db/fts-query.js';

const db = new Database(':memory:');
db.exec('CREATE VIRTUAL TABLE t USING fts5(name, body)');
const insert = db.prepare('INSERT INTO t (name, body) VALUES (?, ?)');
insert.run('Weather forecasting tools', 'Hourly and daily forecasts for any city.');
insert.run('PDF reader', 'Extracts text and tables from PDF files.');
insert.run('evil', 'A row only a column filter would single out.');
const search = db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid');
afterAll(() => db.close());

const rowsFor = (text: string): number[] => {
  const query = toFtsQuery(text);
  return query === null ? [] : search.all(query).map((r) => (r as { rowid: number }).rowid);
};

const HOSTILE = [
  '"',
  'a" OR "b',
  'NEAR(a b)',
  'NEAR(weather pdf, 2)',
  '*',
  'name:evil',
  '{name body}: evil',
  '((((',
  '-x',
  '^start',
  'AND OR NOT',
  'weather AND NOT pdf',
  'pdf + reader',
  'weather OR',
  '',
  '   ',
  '🌦️🔥',
  "'; DROP TABLE t; --",
  'wea*',
  '"weather"*',
  'a b c',
];

describe('search text to FTS5 query', () => {
  it.each(HOSTILE)('turns %j into nothing or a query FTS5 runs without error', (text) => {
    const query = toFtsQuery(text);
    if (query !== null) expect(() => search.all(query)).not.toThrow();
  });

  it('finds "Weather forecasting tools" for "weather forecast"', () => {
    expect(toFtsQuery('weather forecast')).toBe('"weather" "forecast"*');
    expect(rowsFor('weather forecast')).toEqual([1]);
  });

  it('treats operators and column names as plain words', () => {
    expect(toFtsQuery('name:evil')).toBe('"name" "evil"*');
    expect(rowsFor('name:evil')).toEqual([]);
    expect(toFtsQuery('a" OR "b')).toBe('"or"');
    expect(toFtsQuery('NEAR(a b)')).toBe('"near"*');
    expect(toFtsQuery('AND OR NOT')).toBe('"and" "or" "not"*');
  });

  it('returns null when no word of two or more characters is left', () => {
    for (const text of ['', '"', '*', '((((', '-x', 'a b c', '🌦️🔥', '  ... ']) expect(toFtsQuery(text)).toBeNull();
  });

  it('makes only a last word of three or more characters a prefix', () => {
    expect(toFtsQuery('pdf')).toBe('"pdf"*');
    expect(toFtsQuery('pdf re')).toBe('"pdf" "re"');
    expect(rowsFor('pdf rea')).toEqual([2]);
  });

  it('keeps letters and digits of any script, and at most 12 words', () => {
    expect(toFtsQuery('Wetter für München 2024')).toBe('"wetter" "für" "münchen" "2024"*');
    const many = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');
    expect(toFtsQuery(many)?.split(' ')).toHaveLength(MAX_QUERY_TOKENS);
  });

  it('never produces a query FTS5 rejects, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.stringMatching(/^[\w":*^()+\-{} ]{0,40}$/)), (text) => {
        const query = toFtsQuery(text);
        if (query !== null) search.all(query);
      }),
      { numRuns: 1000 },
    );
  });
});
