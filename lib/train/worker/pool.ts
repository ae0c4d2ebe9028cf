/**
 * Training workers kept between fits. Starting a worker costs the caller's thread little, but the worker itself
 * needs ~150 ms to load the library and the addon, and its first batches run while V8 compiles the training loop
 * on the process's other threads; on a small server that compilation competes with the request handlers. A
 * worker that has trained once is kept, idle and unref'd (it never keeps the process alive), and the next fit
 * starts at once on warm code. At most one idle worker per core is kept; `closeTrainingWorkers()` ends them
 * (to give back their memory, about 10 MB each, or before a test checks for leftovers).
 *
 * A worker leaves the pool for good when it exits or fails: a fit that saw its worker fail discards it.
 *
 * Spawning: from the built package (dist/) the worker is dist/fit-worker.js, a tsup entry next to the bundle that
 * spawns it. From TypeScript source (tests, `npx tsx …`) it is lib/train/worker/thread.ts, which plain Node cannot
 * load: a worker does not inherit the parent's module hooks and ignores `--import tsx` in its execArgv on Node 20,
 * so a two-line bootstrap registers tsx's loader inside the worker before importing it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const idle: Worker[] = [];
const maxIdle = Math.max(1, os.availableParallelism());

/** An idle worker, or a new one; ref'd while the caller's fit uses it. */
export function acquireWorker(): Worker {
  const w = idle.pop() ?? watched(spawnFitWorker());
  w.ref();
  return w;
}

/** Back to the pool after a fit that ended normally (done or failed, with the worker's loop intact); ended when the pool is full. */
export async function releaseWorker(w: Worker): Promise<void> {
  if (idle.length >= maxIdle) {
    await w.terminate();
    return;
  }
  w.unref();
  idle.push(w);
}

/** Ends a worker whose state is unknown (it failed, or its fit could not finish the protocol). */
export async function discardWorker(w: Worker): Promise<void> {
  await w.terminate();
}

/** Ends the idle training workers (fits in progress keep theirs, which end with them). */
export async function closeTrainingWorkers(): Promise<void> {
  await Promise.all(idle.splice(0).map((w) => w.terminate()));
}

/** The number of idle training workers (for tests and diagnostics). */
export function idleTrainingWorkers(): number {
  return idle.length;
}

/** A worker that removes itself from the pool when it exits. */
function watched(w: Worker): Worker {
  w.on('exit', () => {
    const i = idle.indexOf(w);
    if (i >= 0) idle.splice(i, 1);
  });
  w.on('error', () => {}); // an idle worker's error ends it ('exit' follows); a fit in progress has its own listener
  return w;
}

/** tsx's ESM register API, found from this file (require.resolve would give its CommonJS build, which cannot register). */
function tsxEsmApi(here: string): string {
  const pkgFile = createRequire(here).resolve('tsx/package.json');
  const exported = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).exports['./esm/api'].import.default as string;
  return pathToFileURL(path.join(path.dirname(pkgFile), exported)).href;
}

/** A new training worker; it waits for a StartMessage (protocol.ts). */
function spawnFitWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./fit-worker.js', here));
  const tsxApi = tsxEsmApi(here);
  const entry = new URL('./thread.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}
