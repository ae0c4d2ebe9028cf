/**
 * Process-wide settings every command applies before touching a kernel: which backend (through
 * NEUROBLAS_BACKEND, which the loader reads on first use, so it must be set before anything runs), the
 * OpenBLAS thread count, and the seed of the library's generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import { backendInfo, setNumThreads } from '../backend/load.js';
import { fail } from '../errors.js';
import { manualSeed } from '../random.js';

export const BACKEND_CHOICES = ['native', 'js'] as const;

export interface RuntimeFlags {
  backend?: (typeof BACKEND_CHOICES)[number];
  threads?: number;
  seed?: number;
}

/** Applies the flags and returns the backend in use (its name) and why it was chosen. */
export function applyRuntime(flags: RuntimeFlags): { backend: string; reason: string; threads: number } {
  if (flags.backend !== undefined) process.env.NEUROBLAS_BACKEND = flags.backend;
  setNumThreads(flags.threads ?? 1);
  if (flags.seed !== undefined) manualSeed(flags.seed);
  const info = backendInfo();
  return { backend: info.backend, reason: info.reason, threads: info.threads };
}

/** Fails before any work when a file we are asked to write has no directory to go in (not after a long training). */
export function checkWritable(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) fail('ERR_IO', `${flag} ${file}: directory ${dir} does not exist`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) fail('ERR_IO', `${flag} ${file}: is a directory, expected a file name`);
}

/** Writes a text file, turning fs errors into the library's ERR_IO naming the flag and the file. */
export function writeTextFile(flag: string, file: string, text: string): void {
  try {
    fs.writeFileSync(file, text);
  } catch (e) {
    fail('ERR_IO', `${flag} ${file}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
