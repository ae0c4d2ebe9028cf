/**
 * lib/ has no import cycle. Every relative import counts, type-only ones included (they still couple the modules):
 * static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(__dirname, '../../lib');

const IMPORT = /\b(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every .ts file under `dir`, as paths relative to LIB. */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.name.endsWith('.ts') ? [path.relative(LIB, full)] : [];
  });
}

/** The modules `file` imports, resolved to paths relative to LIB (`./x.js` is the source file `./x.ts`). */
function relativeImports(file: string, source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith('.')) continue;
    const target = path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push(target.endsWith('.ts') ? target : `${target}.ts`);
  }
  return out;
}

/** The first cycle found by depth-first search, as a path that starts and ends with the same module; null when none. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

function libGraph(): Map<string, string[]> {
  const files = tsFiles(LIB);
  return new Map(files.map((f) => [f, relativeImports(f, fs.readFileSync(path.join(LIB, f), 'utf8'))]));
}

describe('import cycles', () => {
  it('finds a cycle in a small graph, and none where there is none', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b', 'c']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toBeNull();
  });

  it('reads every kind of relative import, type-only included', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './sub/c.js';",
      "export * as d from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "import {\n  g,\n  type G,\n} from './g.js';",
      "import fs from 'node:fs';",
      "// import { h } from './h.js';",
    ].join('\n');
    expect(relativeImports('x/y.ts', src)).toEqual(['x/a.ts', 'b.ts', 'x/sub/c.ts', 'x/d.ts', 'x/e.ts', 'x/f.ts', 'x/g.ts']);
  });

  it('every import in lib/ resolves to a file', () => {
    const graph = libGraph();
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${f} → ${d}`));
    expect(missing).toEqual([]);
  });

  it('lib/ has none', () => {
    const cycle = findCycle(libGraph());
    expect(cycle, cycle ? `import cycle: ${cycle.join(' → ')}` : '').toBeNull();
  });
});
