// The layers of the architecture (tools → domain → db, ports in src/nostr and src/rails,
// the error type and the logger in src/core below them all) kept by a test: every import
// in src is read, and an edge between layers that must not meet, or a cycle, fails it.
// Type-only imports count too: a type cycle still ties two modules together.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Module (path under the root, a/b.ts) → the modules and packages it imports. */
type Graph = Map<string, { modules: string[]; packages: string[] }>;

const STATIC = /^\s*(?:import|export)\s+(?:type\s+)?[\w$*\s{},]+?\s+from\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importGraph(root: string): Graph {
  const files: string[] = [];
  (function walk(dir: string) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) files.push(path);
    }
  })(root);
  const graph: Graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const specs = [STATIC, BARE, DYNAMIC].flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
    const modules = specs.filter((s) => s.startsWith('.')).map((s) => relative(root, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
    graph.set(relative(root, file), { modules: [...new Set(modules)], packages: [...new Set(specs.filter((s) => !s.startsWith('.')))] });
  }
  return graph;
}

/** Every import cycle, each once, as the modules along it (the first repeated at the end). */
function cycles(graph: Graph): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (m: string) => {
    state.set(m, 'open');
    path.push(m);
    for (const next of graph.get(m)?.modules ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(m, 'done');
  };
  for (const m of [...graph.keys()].sort()) if (!state.has(m)) visit(m);
  return found;
}

/** Where a module lives: its top folder under src, or the file itself for top-level ones (cli.ts). */
const layerOf = (module: string) => (module.includes('/') ? module.slice(0, module.indexOf('/')) : module);

// [from, to]: a module in `from` must not import one in `to`.
const FORBIDDEN: [string, string][] = [
  ['tools', 'db'], // tools call the domain; SQL lives below it
  ['tools', 'nostr'], // Nostr is a port the context carries
  ['db', 'domain'],
  ['db', 'tools'],
  ['cli.ts', 'tools'], // the command line and HTTP reach tools only through the composition root
  ['cli', 'tools'],
  ['http', 'tools'],
  ['domain', 'tools'],
  ['domain', 'http'],
  ['domain', 'cli'],
  ['domain', 'cli.ts'],
  ['domain', 'server.ts'],
  ['domain', 'nostr'], // ports are interfaces in the domain, implementations outside it
  ['domain', 'rails'],
];

function forbiddenEdges(graph: Graph): string[] {
  const edges: string[] = [];
  for (const [from, { modules, packages }] of graph) {
    for (const to of modules) {
      if (FORBIDDEN.some(([a, b]) => layerOf(from) === a && layerOf(to) === b)) edges.push(`${from} → ${to}`);
      // The error type and the logger sit below everything: core imports nothing of the project.
      if (layerOf(from) === 'core' && layerOf(to) !== 'core') edges.push(`${from} → ${to}`);
    }
    // The domain does not know MCP exists (STYLE: a domain function decides and nothing else).
    for (const p of packages) if ((layerOf(from) === 'domain' || layerOf(from) === 'db') && p.startsWith('@modelcontextprotocol/')) edges.push(`${from} → ${p}`);
  }
  return edges.sort();
}

describe('the layers of src', () => {
  const graph = importGraph(SRC);

  it('reads the imports it checks (static, type-only, re-exports, dynamic)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('server.ts')?.modules).toContain('tools/index.ts');
    expect(graph.get('tools/inventory.ts')?.modules).toContain('toolsets.ts');
  });

  it('has no import cycle', () => {
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps tools off the stores and relays, the database below the domain, the CLI and HTTP off the tools', () => {
    expect(forbiddenEdges(graph)).toEqual([]);
  });
});

describe('the layer check itself', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  const tree = (files: Record<string, string>) => {
    dir = mkdtempSync(join(tmpdir(), 'layers-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return importGraph(dir);
  };

  it('finds a cycle, type-only and multi-line imports included', () => {
    const graph = tree({
      'domain/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'domain/b.ts': "import type {\n  C,\n} from './c.js';\nexport const b = 2;\n",
      'domain/c.ts': "export { a } from './a.js';\nexport type C = number;\n",
      'domain/d.ts': "export const d = () => import('./a.js');\n",
    });
    expect(cycles(graph)).toEqual([['domain/a.ts', 'domain/b.ts', 'domain/c.ts', 'domain/a.ts']]);
  });

  it('finds a forbidden edge, and none where the layers may meet', () => {
    const graph = tree({
      'tools/skills.ts': "import * as store from '../db/skills-store.js';\nimport { search } from '../domain/search.js';\n",
      'db/skills-store.ts': "import { MarketError } from '../core/errors.js';\nimport { rule } from '../domain/rule.js';\n",
      'cli.ts': "import { ALL_TOOLS } from './tools/index.js';\n",
      'core/errors.ts': "import { log } from '../domain/log.js';\n",
      'domain/search.ts': "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';\n",
    });
    expect(forbiddenEdges(graph)).toEqual([
      'cli.ts → tools/index.ts',
      'core/errors.ts → domain/log.ts',
      'db/skills-store.ts → domain/rule.ts',
      'domain/search.ts → @modelcontextprotocol/sdk/server/mcp.js',
      'tools/skills.ts → db/skills-store.ts',
    ]);
  });
});
