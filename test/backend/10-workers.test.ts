/**
 * The addon in worker threads: four workers running sgemm at once (each environment loads the addon and
 * gets its own instance data), and a worker created and terminated 20 times (the addon's per-environment
 * cleanup must neither crash nor leak a broken state into the main thread).
 */
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { backendNames, nativeOrStub } from '../helpers/backends.js';
import { addonFile } from '../helpers/addon.js';
import { expectClose } from '../helpers/close.js';
import { gemm64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

/** The worker, as CommonJS source: loads the addon by path and runs sgemm `reps` times on its inputs. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.file);
class NeuroblasError extends Error { constructor(code, message) { super(message); this.code = code; } }
addon.setErrorClass(NeuroblasError);
const { n, reps, A, B, forever } = workerData;
const C = new Float32Array(n * n);
parentPort.postMessage({ ready: true });
for (let r = 0; forever || r < reps; r++) addon.sgemm(false, false, n, n, n, 1, A, B, 0, C);
parentPort.postMessage({ C });
`;

function startWorker(data: object): Worker {
  return new Worker(WORKER, { eval: true, workerData: { file: addonFile, ...data } });
}

/** Resolves with the worker's result message (the one carrying C), rejects on error or early exit. */
function result(w: Worker): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    w.on('message', (m: { C?: Float32Array }) => {
      if (m.C) resolve(m.C);
    });
    w.on('error', reject);
    w.on('exit', (code) => reject(new Error(`worker exited with code ${code} before sending its result`)));
  });
}

describe.skipIf(!backendNames.includes('native'))('native addon in worker threads', () => {
  const started: Worker[] = [];
  afterAll(async () => {
    await Promise.all(started.map((w) => w.terminate()));
  });

  it('loads and runs sgemm in 4 worker threads at once, each with the right answer', async () => {
    const n = 96,
      rng = new Rng(71);
    const jobs = Array.from({ length: 4 }, () => ({ A: rng.floats(n * n), B: rng.floats(n * n) }));
    const workers = jobs.map((j) => startWorker({ n, reps: 30, A: j.A, B: j.B }));
    started.push(...workers);
    const outs = await Promise.all(workers.map(result));
    outs.forEach((C, i) => {
      const want = gemm64(false, false, n, n, n, 1, jobs[i].A, jobs[i].B, 0, []);
      expectClose(C, want, normwise(want), `worker ${i} C`);
    });
  });

  it('a worker created and terminated 20 times (mid-computation), then the main thread still works', async () => {
    const n = 64,
      A = new Rng(72).floats(n * n),
      B = new Rng(73).floats(n * n);
    for (let i = 0; i < 20; i++) {
      const w = startWorker({ n, reps: 0, A, B, forever: true });
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`worker ${i} exited early with code ${code}`)));
      });
      w.removeAllListeners('exit');
      expect(await w.terminate(), `worker ${i} exit code`).toBe(1);
    }
    const b = nativeOrStub(),
      C = new Float32Array(n * n);
    b.sgemm(false, false, n, n, n, 1, A, B, 0, C);
    const want = gemm64(false, false, n, n, n, 1, A, B, 0, []);
    expectClose(C, want, normwise(want), 'main-thread C');
  });
});
