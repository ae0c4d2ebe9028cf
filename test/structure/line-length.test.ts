/**
 * No line of the TypeScript in lib/, test/, bench/ and examples/ is longer than 140 characters, Biome's lineWidth
 * (biome.jsonc). Biome wraps code but not long strings, template literals or comments: those are split by hand,
 * `'…' +` on one line and `'…'` on the next, with the same text. Characters, not bytes: `·`, `×` and `→` count one.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const DIRS = ['lib', 'test', 'bench', 'examples'];
const MAX = 140;
const SKIP = new Set(['node_modules', 'dist', 'build']);

/** Every .ts file under `dir` (skipping node_modules, dist and build), as paths relative to ROOT. */
function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) ? [] : walk(full);
    return e.name.endsWith('.ts') ? [path.relative(ROOT, full).split(path.sep).join('/')] : [];
  });
}

/** The git-tracked .ts files under DIRS, relative to ROOT; without git (an unpacked tarball), every one on disk. */
function tsFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--', ...DIRS], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\0')
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => fs.existsSync(path.join(ROOT, f)));
  } catch {
    return DIRS.flatMap((d) => walk(path.join(ROOT, d)));
  }
}

/** `file:line: n characters` for every line of `text` longer than MAX characters (code points, not bytes or UTF-16 units). */
function longLines(file: string, text: string): string[] {
  return text.split(/\r?\n/).flatMap((line, i) => {
    const n = [...line].length;
    return n > MAX ? [`${file}:${i + 1}: ${n} characters`] : [];
  });
}

describe('line length', () => {
  it('names file:line for a line over 140 characters, and nothing for lines of 140', () => {
    const text = ['a'.repeat(140), 'b'.repeat(141), '·'.repeat(140), `  '${'c'.repeat(150)}',`].join('\n');
    expect(longLines('x.ts', text)).toEqual(['x.ts:2: 141 characters', 'x.ts:4: 155 characters']);
    expect(longLines('y.ts', 'short\r\nlines\n')).toEqual([]);
  });

  it('reads the TypeScript of lib/, test/, bench/ and examples/', () => {
    const files = tsFiles();
    expect(files).toContain('lib/index.ts');
    expect(files).toContain('test/structure/import-cycles.test.ts');
    expect(files.every((f) => DIRS.some((d) => f.startsWith(`${d}/`)) && f.endsWith('.ts'))).toBe(true);
  });

  it('no line there is longer than 140 characters', () => {
    const long = tsFiles().flatMap((f) => longLines(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(long, `lines over ${MAX} characters (split strings and comments; Biome wraps the rest):\n${long.join('\n')}`).toEqual([]);
  });
});
