// A tool definition is checked where it is written: its handler is typed by its output
// schema (the @ts-expect-error lines fail `tsc -p tsconfig.test.json` the day a drift
// compiles again), and its annotations must be one of the named presets.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { ACTING, ACTING_IDEMPOTENT, ACTING_OPEN_WORLD, defineTool, DESTRUCTIVE, DESTRUCTIVE_IDEMPOTENT, READ_ONLY, READ_ONLY_OPEN_WORLD } from '../../src/tools/inventory.js';

const base = { title: 'Probe', description: 'A probe.', toolset: 'context', roles: ['sponsor'], input: z.object({}) } as const;

describe('a tool definition', () => {
  it('is refused with annotations of its own, even equal to a preset', () => {
    expect(() => defineTool({ ...base, name: 'probe_own_annotations', output: z.object({}), annotations: { ...READ_ONLY }, handler: () => ({}) })).toThrow(/named presets/);
    expect(() => defineTool({ ...base, name: 'probe_preset', output: z.object({}), annotations: READ_ONLY, handler: () => ({}) })).not.toThrow();
  });

  it('answers what its output schema says, per role too', () => {
    const output = z.object({ amount_sats: z.number().int(), status: z.enum(['held', 'paid']) });
    defineTool({ ...base, name: 'probe_typed', output, annotations: ACTING, handler: () => ({ amount_sats: 1, status: 'paid' as const }) });
    // @ts-expect-error: a string where the schema says a number
    defineTool({ ...base, name: 'probe_drift', output, annotations: ACTING, handler: () => ({ amount_sats: '1', status: 'paid' as const }) });
    // @ts-expect-error: a status the schema does not know
    defineTool({ ...base, name: 'probe_status', output, annotations: ACTING, handler: () => ({ amount_sats: 1, status: 'lost' as const }) });
    const perRole = { agent: z.object({ mine: z.boolean() }), sponsor: z.object({ theirs: z.string() }) };
    defineTool({ ...base, name: 'probe_roles', output: perRole, annotations: READ_ONLY, handler: () => ({ theirs: 'x' }) });
    // @ts-expect-error: neither role's shape
    defineTool({ ...base, name: 'probe_roles_drift', output: perRole, annotations: READ_ONLY, handler: () => ({ other: 1 }) });
  });

  it('holds for every tool the server lists: each takes a named preset', () => {
    const presets = [READ_ONLY, READ_ONLY_OPEN_WORLD, ACTING, ACTING_IDEMPOTENT, ACTING_OPEN_WORLD, DESTRUCTIVE, DESTRUCTIVE_IDEMPOTENT];
    expect(ALL_TOOLS.filter((t) => !presets.includes(t.annotations)).map((t) => t.name)).toEqual([]);
  });
});
