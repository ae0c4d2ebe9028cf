/**
 * The built package (issue 12, item 18). It keeps the classes' own names: `SGD.name` is 'SGD', not esbuild's 'SGD2',
 * and a stack trace says `Sequential.outputShape`, not `_Sequential.outputShape`. The README's CommonJS example runs as
 * a .cjs file, and its code blocks in TypeScript say so. Builds the ESM and CommonJS bundles with the project's
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

const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
/** The README's fenced code blocks: language tag and text. */
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, code]) => ({ lang, code }));

describe("the README's examples", () => {
  it('the CommonJS example runs as a .cjs file (no top-level await) and trains', () => {
    const example = blocks.find((b) => b.code.startsWith('// train.cjs'));
    expect(example, 'a block starting with "// train.cjs"').toBeDefined();
    const file = path.join(out, 'train.cjs');
    fs.writeFileSync(file, example!.code.replace("require('neuroblas')", `require(${JSON.stringify(path.join(out, 'index.cjs'))})`));
    const stdout = execFileSync(process.execPath, [file], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      env: { ...process.env, NEUROBLAS_BACKEND: 'js' },
    });
    expect(Number(stdout.trim())).toBeLessThan(0.69); // below ln 2, where it starts: it learned something
  });

  it('blocks in TypeScript are tagged ts', () => {
    const typescriptOnly = /\w!\.|\w!\)|\w!,| as \w+\b|: (number|string|Tensor)\b[^'"]/;
    for (const b of blocks.filter((x) => x.lang !== 'ts' && x.lang !== 'sh' && x.lang !== '')) {
      expect(b.code, `a \`\`\`${b.lang} block with TypeScript syntax`).not.toMatch(typescriptOnly);
    }
    const resuming = blocks.find((b) => b.code.includes('ckpt.restoreCallbacks(again)'));
    expect(resuming?.lang).toBe('ts');
  });
});
