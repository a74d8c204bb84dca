// Decomposable tasks (SEED-RULES "Coalitions"): subtasks depend on one another and the
// graph may have no cycles, or some subtask could never become ready.
import { MarketError } from '../../core/errors.js';

export interface SubtaskSpec {
  key: string;
  dependsOn: string[];
}

export const SUBTASK_STATUSES = ['open', 'assigned', 'submitted', 'accepted'] as const;
export type SubtaskStatus = (typeof SUBTASK_STATUSES)[number];

/** Returns the keys in an order where every subtask comes after its dependencies. */
/**
 * The largest weight a subtask may carry. A round has at most 100 subtasks, so weights
 * sum to at most 10^8 and settlement's arithmetic can never fail on them: a pool whose
 * work is handed in can only end by completion, so completion must always succeed.
 */
export const MAX_SUBTASK_WEIGHT = 1_000_000;

export function validateSubtaskGraph(subtasks: SubtaskSpec[]): string[] {
  const byKey = indexByKey(subtasks);
  for (const subtask of subtasks) assertKnownDependencies(subtask, byKey);
  return topologicalOrder(subtasks, byKey);
}

/** Keys not yet accepted whose dependencies have all been accepted. */
export function readySubtasks(subtasks: (SubtaskSpec & { status: SubtaskStatus })[]): string[] {
  const accepted = new Set(subtasks.filter((s) => s.status === 'accepted').map((s) => s.key));
  return subtasks.filter((s) => s.status !== 'accepted' && s.dependsOn.every((d) => accepted.has(d))).map((s) => s.key);
}

function indexByKey(subtasks: SubtaskSpec[]): Map<string, SubtaskSpec> {
  const byKey = new Map<string, SubtaskSpec>();
  for (const subtask of subtasks) {
    if (byKey.has(subtask.key)) {
      throw new MarketError('INVALID_INPUT', `Subtask key "${subtask.key}" is used twice: give each subtask its own key.`);
    }
    byKey.set(subtask.key, subtask);
  }
  return byKey;
}

function assertKnownDependencies(subtask: SubtaskSpec, byKey: Map<string, SubtaskSpec>): void {
  for (const dep of subtask.dependsOn) {
    if (dep === subtask.key) {
      throw new MarketError('INVALID_INPUT', `Subtask "${subtask.key}" depends on itself: remove it from its own depends_on.`);
    }
    if (!byKey.has(dep)) {
      throw new MarketError('INVALID_INPUT', `Subtask "${subtask.key}" depends on "${dep}", which is not a subtask of this task.`);
    }
  }
}

// Depth-first, in input order, so the order is deterministic and a cycle is found with
// its path on the stack, which is what lets the message name every key on it.
function topologicalOrder(subtasks: SubtaskSpec[], byKey: Map<string, SubtaskSpec>): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (key: string): void => {
    if (done.has(key)) return;
    const onStack = stack.indexOf(key);
    if (onStack >= 0) throwCycle([...stack.slice(onStack), key]);
    stack.push(key);
    for (const dep of byKey.get(key)!.dependsOn) visit(dep);
    stack.pop();
    done.add(key);
    order.push(key);
  };
  for (const subtask of subtasks) visit(subtask.key);
  return order;
}

function throwCycle(path: string[]): never {
  // The walk follows dependsOn edges; reversed, the path reads in the order work would flow.
  const cycle = [...path].reverse();
  throw new MarketError('INVALID_INPUT', `Subtask dependencies form a cycle: ${cycle.join(' → ')}. Remove one of these dependencies.`, {
    cycle: cycle.slice(0, -1),
  });
}
