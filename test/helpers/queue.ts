/**
 * For the queue tests: CSV files of Gaussian blobs, and `neuroblas worker` processes (from the TypeScript source,
 * through tsx, as test/cli/run-cli.ts runs the command) with short lock and stalled-check intervals so that a dead
 * worker's job moves on in about a second.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../cli/run-cli.js';
import { gaussianBlobs } from './blobs.js';

/** A CSV of `rows` blob rows (features, then the label), written to `file`. */
export function writeBlobsCsv(file: string, rows: number, features: number, classes: number, seed: number, spread = 1): string {
  const { x, y } = gaussianBlobs(rows, features, classes, seed, spread);
  const lines = [[...Array.from({ length: features }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const values = [...x.data.subarray(i * features, (i + 1) * features)].map((v) => v.toFixed(4));
    lines.push(`${values.join(',')},${y[i]}`);
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

export function startWorker(args: string[]): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/cli/main.ts'), 'worker', ...args], {
    cwd: ROOT,
    env: { ...process.env, NEUROBLAS_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('neuroblas: worker ')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  ready.catch(() => {});
  return { child, output: () => out, ready, exited };
}

/** Worker flags for tests: a dead worker's job is taken again after ~1.5 s. */
export function workerArgs(redis: string, queue: string, checkpointDir: string, extra: string[] = []): string[] {
  return [
    '--redis',
    redis,
    '--queue',
    queue,
    '--checkpoint-dir',
    checkpointDir,
    '--lock-duration',
    '1500',
    '--stalled-interval',
    '500',
    ...extra,
  ];
}

export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => Promise.race([w.exited, new Promise((r) => setTimeout(r, 5000))])));
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
}
