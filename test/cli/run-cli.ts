/**
 * Runs the `neuroblas` command two ways. `runCli`: in a child process from its TypeScript source (through tsx's
 * loader), so the tests need neither `npm run build` nor a rebuilt addon, and see exactly what a user's terminal
 * would, exit code included. `runInProcess`: the same `runCli` the executable calls, with stdout and stderr
 * captured — a child costs 1–2 s of start-up, so the many argument checks run this way.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, vi } from 'vitest';
import { runCli as runProgram } from '../../lib/cli/program.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, NEUROBLAS_DEBUG: '', ...env }, maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

export async function runInProcess(args: string[]): Promise<CliResult> {
  let stdout = '',
    stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runProgram(['node', 'neuroblas', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** The failure contract: the exit code, nothing on stdout, and one line "neuroblas: …" on stderr, no stack trace. */
export function expectOneLineError(r: CliResult, code: number, message: RegExp): void {
  const context = `stdout: ${r.stdout}\nstderr: ${r.stderr}`;
  expect(r.code, context).toBe(code);
  expect(r.stdout, context).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, context).toHaveLength(1);
  expect(lines[0], context).toMatch(/^neuroblas: /);
  expect(lines[0], context).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}
