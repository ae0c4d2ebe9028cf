/**
 * Training workers kept between fits. Starting a worker costs the caller's thread little, but the worker itself
 * needs ~150 ms to load the library and the addon, and its first batches run while V8 compiles the training loop
 * on the process's other threads; on a small server that compilation competes with the request handlers. A
 * worker that has trained once is kept, idle and unref'd (it never keeps the process alive), and the next fit
 * starts at once on warm code. At most one idle worker per core is kept; `closeTrainingWorkers()` ends them
 * (to give back their memory, about 10 MB each, or before a test checks for leftovers).
 *
 * A worker leaves the pool for good when it exits or fails: a fit that saw its worker fail discards it.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnFitWorker } from './worker-spawn.js';

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
