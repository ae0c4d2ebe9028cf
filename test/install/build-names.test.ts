/**
 * The built package keeps the classes' own names (issue 12, item 18): `SGD.name` is 'SGD', not esbuild's 'SGD2', and
 * a stack trace says `Sequential.fit`, not `_Sequential.fit`. Builds the ESM and CommonJS bundles with the project's
 * tsup.config.ts (declarations left out, to keep it fast) into a temporary folder, then loads each in a fresh Node.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../tsup.config.js';
import { repoRoot } from '../helpers/addon.js';

let out = '';

beforeAll(async () => {
  // Inside the repository, so the bundle finds package.json (packageRoot) and node_modules as dist/ does.
  out = fs.mkdtempSync(path.join(repoRoot, '.build-names-'));
  await build({ ...(config as object), dts: false, sourcemap: false, silent: true, outDir: out });
}, 120_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

const probe = `
  const names = ['SGD', 'Adam', 'Sequential', 'Dense', 'Tensor', 'NeuroblasError', 'StepLR', 'EarlyStopping'].map((k) => [k, m[k].name]);
  let stack = '';
  try { new m.Sequential([new m.Dense(2, 1)]).outputShape([3]); } catch (e) { stack = String(e.stack); }
  console.log(JSON.stringify({ names: Object.fromEntries(names), stack }));
`;

function run(format: 'esm' | 'cjs'): { names: Record<string, string>; stack: string } {
  const file = path.join(out, format === 'esm' ? 'index.js' : 'index.cjs');
  const script =
    format === 'esm' ? `import(${JSON.stringify(file)}).then((m) => {${probe}})` : `const m = require(${JSON.stringify(file)});${probe}`;
  const stdout = execFileSync(process.execPath, ['-e', script], {
    cwd: os.tmpdir(),
    encoding: 'utf8',
    env: { ...process.env, NEUROBLAS_BACKEND: 'js' },
  });
  return JSON.parse(stdout);
}

describe.each(['esm', 'cjs'] as const)('the %s build', (format) => {
  it('keeps class names: SGD.name is "SGD", stack traces say Sequential.outputShape', () => {
    const { names, stack } = run(format);
    for (const [key, name] of Object.entries(names)) expect(name, key).toBe(key);
    expect(stack).toMatch(/\bSequential\.outputShape\b/);
    expect(stack).not.toMatch(/_Sequential/);
  });
});
