/** A fresh temporary directory per test file, removed after it (checkpoints never land in the repository). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export function scratchDir(prefix: string): (name: string) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `neuroblas-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return (name: string) => path.join(dir, name);
}

/** Files in the directory of `file` whose names start with its base name plus ".tmp-" (atomic-write leftovers). */
export function tempLeftovers(file: string): string[] {
  const base = `${path.basename(file)}.tmp-`;
  return fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(base));
}
