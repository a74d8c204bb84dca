import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { readySubtasks, validateSubtaskGraph, type SubtaskSpec, type SubtaskStatus } from '../../src/domain/coalitions/subtasks.js';

function task(key: string, ...dependsOn: string[]): SubtaskSpec {
  return { key, dependsOn };
}

function invalidInput(subtasks: SubtaskSpec[]): MarketError {
  try {
    validateSubtaskGraph(subtasks);
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    expect((error as MarketError).code).toBe('INVALID_INPUT');
    return error as MarketError;
  }
  return expect.fail('expected INVALID_INPUT');
}

describe('decomposable task graph (SEED-RULES "Coalitions")', () => {
  it('orders research → (draft, figures) → review so every subtask comes after its dependencies', () => {
    const subtasks = [task('review', 'draft', 'figures'), task('draft', 'research'), task('figures', 'research'), task('research')];
    const order = validateSubtaskGraph(subtasks);
    expect([...order].sort()).toEqual(['draft', 'figures', 'research', 'review']);
    for (const subtask of subtasks) {
      for (const dep of subtask.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(subtask.key));
    }
  });

  it('keeps the given order for independent subtasks, and accepts an empty task list', () => {
    expect(validateSubtaskGraph([task('a'), task('b'), task('c')])).toEqual(['a', 'b', 'c']);
    expect(validateSubtaskGraph([])).toEqual([]);
  });

  it('refuses a key used twice', () => {
    expect(invalidInput([task('a'), task('a')]).message).toMatch(/"a" is used twice/);
  });

  it('refuses a dependency on a subtask that does not exist', () => {
    expect(invalidInput([task('a', 'ghost')]).message).toMatch(/"a" depends on "ghost"/);
  });

  it('refuses a subtask that depends on itself', () => {
    expect(invalidInput([task('a', 'a')]).message).toMatch(/"a" depends on itself/);
  });

  it('refuses a 3-cycle and names every key on it', () => {
    const error = invalidInput([task('start'), task('a', 'c', 'start'), task('b', 'a'), task('c', 'b')]);
    expect(error.message).toMatch(/cycle/);
    expect(error.message).toMatch(/a → b → c → a|b → c → a → b|c → a → b → c/);
    for (const key of ['a', 'b', 'c']) expect(error.message).toContain(key);
    expect(error.message).not.toContain('start');
    expect([...(error.details?.cycle as string[])].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('ready subtasks', () => {
  it('opens each subtask as its dependencies are accepted', () => {
    const status: Record<string, SubtaskStatus> = { research: 'open', draft: 'open', figures: 'open', review: 'open' };
    const graph = [task('research'), task('draft', 'research'), task('figures', 'research'), task('review', 'draft', 'figures')];
    const ready = () => readySubtasks(graph.map((t) => ({ ...t, status: status[t.key]! })));

    expect(ready()).toEqual(['research']);
    status.research = 'submitted';
    expect(ready()).toEqual(['research']);
    status.research = 'accepted';
    expect(ready()).toEqual(['draft', 'figures']);
    status.draft = 'accepted';
    status.figures = 'assigned';
    expect(ready()).toEqual(['figures']);
    status.figures = 'accepted';
    expect(ready()).toEqual(['review']);
    status.review = 'accepted';
    expect(ready()).toEqual([]);
  });
});
