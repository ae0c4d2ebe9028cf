/**
 * Two threads against one, interleaved in one run (both kernel sets, kernel-sets.ts): each sgemm shape of MLP-A's
 * training step (batch 128), MLP-A training itself (fitBlocking over the same 5,120 rows, 40 steps) and LeNet-5's
 * (examples/lenet.ts: Adam, batch 128, 30 steps over the first 3,840 images).
 *
 *   npx tsx bench/threads.ts [--rounds R] [--kernels current]
 *
 * Every round times each configuration once, alternating 1 and 2 threads, so both see the same machine load; the
 * figures are medians over R rounds (default 15). The 2-thread figures include the per-call thread policy
 * (native/gemm.cc: products under 4M multiply-adds run on one thread).
 */
import { Adam, SGD, Tensor, fitBlocking, getBackend, loadFashionMnist, manualSeed, useBackend } from '../lib/index.js';
import { MLP_A, mlpA } from '../examples/fashion-mlp.js';
import { LENET, lenet } from '../examples/lenet.js';
import { median, option } from './args.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';

bothKernelSets('1 vs 2 threads');

const rounds = option('--rounds', 15);
const native = getBackend('native');
useBackend(native);

const shapes: [string, boolean, boolean, number, number, number][] = [];
for (const [i, o] of [
  [784, 512],
  [512, 256],
  [256, 10],
]) {
  shapes.push(
    [`fwd ${i}→${o}`, false, false, 128, o, i],
    [`dW ${i}→${o}`, true, false, i, o, 128],
    [`dX ${i}→${o}`, false, true, 128, i, o],
  );
}

const { train } = loadFashionMnist();
const rows = 40 * MLP_A.batchSize;
const x = new Tensor(train.x.subarray(0, rows * 784), [rows, 784]);
const y = train.y.subarray(0, rows);
manualSeed(1);
const model = mlpA();
const optimizer = new SGD(model.parameters(), { lr: MLP_A.lr, momentum: MLP_A.momentum, backend: native });

const lenetRows = 30 * LENET.batchSize;
const lenetX = new Tensor(train.x.subarray(0, lenetRows * 784), [lenetRows, 1, 28, 28]);
const lenetY = train.y.subarray(0, lenetRows);
const lenetModel = lenet();
const lenetOptimizer = new Adam(lenetModel.parameters(), { lr: LENET.lr, backend: native });

const shapeTimes = shapes.map(() => [[] as number[], [] as number[]]);
const fitTimes: number[][] = [[], []];
const lenetTimes: number[][] = [[], []];
for (let r = 0; r < rounds + 1; r++) {
  for (const threads of [1, 2]) {
    native.setNumThreads(threads);
    shapes.forEach(([, tA, tB, M, N, K], s) => {
      const A = new Float32Array(M * K).fill(0.01),
        B = new Float32Array(K * N).fill(0.01),
        C = new Float32Array(M * N);
      native.sgemm(tA, tB, M, N, K, 1, A, B, 0, C);
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) native.sgemm(tA, tB, M, N, K, 1, A, B, 0, C);
      if (r > 0) shapeTimes[s][threads - 1].push((performance.now() - t0) / 5);
    });
    const t0 = performance.now();
    await fitBlocking(model, x, y, { optimizer, epochs: 1, batchSize: MLP_A.batchSize });
    if (r > 0) fitTimes[threads - 1].push(performance.now() - t0);
    const t1 = performance.now();
    await fitBlocking(lenetModel, lenetX, lenetY, { optimizer: lenetOptimizer, epochs: 1, batchSize: LENET.batchSize });
    if (r > 0) lenetTimes[threads - 1].push(performance.now() - t1);
  }
}
native.setNumThreads(1);

const out: [string, string][] = [];
const speedup = (t: number[][]) => median(t[0]) / median(t[1]);
const fmt = (t: number[][]) => `${(median(t[0]) * 1000).toFixed(0)} / ${(median(t[1]) * 1000).toFixed(0)} µs = ${speedup(t).toFixed(2)}×`;
const fitSpeedup = speedup(fitTimes);
out.push([
  'MLP-A, 40 training steps: 1 / 2 threads',
  `${median(fitTimes[0]).toFixed(1)} / ${median(fitTimes[1]).toFixed(1)} ms = ${fitSpeedup.toFixed(2)}× (goal ≥ 1.7×)`,
]);
out.push([
  'LeNet-5, 30 training steps: 1 / 2 threads',
  `${median(lenetTimes[0]).toFixed(1)} / ${median(lenetTimes[1]).toFixed(1)} ms = ${speedup(lenetTimes).toFixed(2)}× (goal ≥ 1.4×)`,
]);
for (const [s, [name, , , M, N, K]] of shapes.entries()) out.push([`sgemm ${name} (${M}×${N}×${K})`, fmt(shapeTimes[s])]);
reportRows(`1 vs 2 threads, medians of ${rounds} interleaved rounds`, out);
