/**
 * Where an MLP-A training step's time goes: per phase (batch gather, zeroGrad, forward, loss, backward, optimizer, the
 * step's bookkeeping) and per kernel, against the GEMM floor (the same sgemm calls alone). Both kernel sets.
 *
 *   npx tsx bench/profile.ts [--model mlp-a|lenet] [--optimizer sgd|adam] [--steps S] [--threads T] [--kernels current]
 *
 * --model lenet profiles LeNet-5's step (examples/lenet.ts: Adam, batch 128, images [1, 28, 28]) the same way; its
 * GEMM floor covers the Dense layers' sgemm calls only (the convolutions' GEMMs are inside their kernels).
 *
 * The step is trainLoop's (lib/train/loop.ts) written out, on the native backend with every kernel wrapped in a timer
 * (about 0.1 µs per call, counted in "outside kernels"). Each kernel's "GEMM" column is what its sgemm calls alone
 * take on the same shapes (measured after the run, median of repeats); the rest of its time is its epilogue.
 */
import {
  Adam,
  Random,
  SGD,
  Tensor,
  crossEntropyLoss,
  getBackend,
  loadFashionMnist,
  manualSeed,
  useBackend,
  type Backend,
} from '../lib/index.js';
import { KERNEL_NAMES } from '../lib/backend/contract.js';
import { gatherRows } from '../lib/data/batches.js';
import { overwriteGrads, settleGrads } from '../lib/graph.js';
import { MLP_A, mlpA } from '../examples/fashion-mlp.js';
import { LENET, lenet } from '../examples/lenet.js';
import { option, median, stringOption } from './args.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';

const modelName = stringOption('--model', 'mlp-a');
if (modelName !== 'mlp-a' && modelName !== 'lenet') throw new Error(`--model: mlp-a or lenet, got ${modelName}`);
const isLenet = modelName === 'lenet';
// Each model's own recipe by default (MLP-A: SGD with momentum; LeNet-5: Adam); --optimizer picks the other.
const optimizerName = stringOption('--optimizer', isLenet ? 'adam' : 'sgd');
if (optimizerName !== 'sgd' && optimizerName !== 'adam') throw new Error(`--optimizer: sgd or adam, got ${optimizerName}`);
const title = isLenet ? 'LeNet-5' : 'MLP-A';
bothKernelSets(`${title} step profile`);

const steps = option('--steps', 300);
const threads = option('--threads', 1);
const native = getBackend('native');
native.setNumThreads(threads);
const { train } = loadFashionMnist();

/** Per kernel: total seconds, calls, and the distinct argument shapes seen (for the GEMM floor). */
const kernelTime = new Map<string, { s: number; calls: number; gemmFloor: number }>();
const now = () => performance.now() / 1000;
let recording = false;

/**
 * The sgemm calls a kernel makes, replayed alone: captured (as shapes) during the first recorded step, then run after
 * every step, interleaved with the steps so that both see the same machine load. Buffers are allocated once per shape.
 */
const floorCalls: { name: string; run: () => void }[] = [];
let capturing = false;
const gemmBuffers = new Map<string, Float32Array[]>();
function floorCall(name: string, tA: boolean, tB: boolean, M: number, N: number, K: number): void {
  const key = `${tA}${tB}${M},${N},${K}`;
  if (!gemmBuffers.has(key))
    gemmBuffers.set(
      key,
      [M * K, K * N, M * N].map((n) => new Float32Array(n).fill(0.01)),
    );
  const [A, B, C] = gemmBuffers.get(key)!;
  floorCalls.push({ name, run: () => native.sgemm(tA, tB, M, N, K, 1, A, B, 0, C) });
}
function gemmShapes(name: string, a: unknown[]): void {
  if (!capturing) return;
  const [M, N, K] = a as number[];
  if (name === 'denseForward') floorCall(name, false, false, M, N, K);
  if (name === 'denseBackward') {
    floorCall(name, true, false, K, N, M);
    if (a[14] !== null) floorCall(name, false, true, M, K, N);
  }
}

const profiled: Record<string, unknown> = { ...native };
for (const name of KERNEL_NAMES) {
  const fn = (native as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
  profiled[name] = (...a: unknown[]) => {
    if (!recording) return fn(...a);
    const t0 = now();
    const r = fn(...a);
    const s = now() - t0;
    const e = kernelTime.get(name) ?? { s: 0, calls: 0, gemmFloor: 0 };
    e.s += s;
    e.calls++;
    kernelTime.set(name, e);
    gemmShapes(name, a);
    return r;
  };
}
const backend = profiled as unknown as Backend;

const phases = ['gather', 'forward', 'loss', 'backward', 'optimizer', 'bookkeeping'] as const;
const phaseTime = new Map<string, number>(phases.map((p) => [p, 0]));

useBackend(backend);
manualSeed(1);
const model = isLenet ? lenet() : mlpA();
const params = model.parameters();
const optimizer =
  optimizerName === 'adam'
    ? new Adam(model.parameters(), { lr: isLenet ? LENET.lr : 1e-3, backend })
    : new SGD(model.parameters(), { lr: MLP_A.lr, momentum: MLP_A.momentum, backend });
const bs = isLenet ? LENET.batchSize : MLP_A.batchSize;
const xb = new Float32Array(bs * 784);
const yb = new Int32Array(bs);
const x = new Tensor(xb, isLenet ? [bs, 1, 28, 28] : [bs, 784]);
const order = new Random(1).shuffle(Int32Array.from({ length: train.rows }, (_, i) => i)); // fit's shuffled rows
const labels = Int32Array.from(train.y);

let stepTotal = 0;
let n = 0;
const stepTimes: number[] = [];
const floorTimes: number[] = [];
const perKernelFloor = new Map<string, number>();
for (let s = 0; s < steps + 20; s++) {
  recording = s >= 20; // 20 warm-up steps
  capturing = s === 20;
  const start = ((s * bs) % (train.rows - bs)) | 0;
  let t = now();
  const t00 = t;
  const lap = (p: string) => {
    const u = now();
    if (recording) phaseTime.set(p, phaseTime.get(p)! + u - t);
    t = u;
  };
  backend.gatherRows(bs, 784, train.rows, train.x, order.subarray(start, start + bs), xb); // as the loop's Batcher
  gatherRows(labels, 1, order, start, bs, yb);
  lap('gather');
  const out = model.forward(x, { reuse: true, checkInput: false });
  lap('forward');
  const l = crossEntropyLoss(out, yb, { checkTargets: false });
  const value = l.data[0];
  lap('loss');
  overwriteGrads(params); // the loop's zeroGrad (lib/graph.ts)
  l.backward();
  settleGrads(params);
  lap('backward');
  optimizer.step();
  lap('optimizer');
  if (!Number.isFinite(value) || optimizer.nonFiniteAfterStep !== 0) throw new Error('diverged');
  lap('bookkeeping');
  if (recording) {
    const stepS = now() - t00;
    stepTotal += stepS;
    stepTimes.push(stepS);
    n++;
    let floor = 0;
    for (const c of floorCalls) {
      const u = now();
      c.run();
      const d = now() - u;
      floor += d;
      perKernelFloor.set(c.name, (perKernelFloor.get(c.name) ?? 0) + d);
    }
    floorTimes.push(floor);
  }
}
recording = false;
useBackend(null);

let gemmTotal = 0;
for (const v of perKernelFloor.values()) gemmTotal += v;
const stepMedian = median(stepTimes);
const floorMedian = median(floorTimes);

const ms = (s: number) => `${((1000 * s) / n).toFixed(3)} ms`;
const msOne = (s: number) => `${(1000 * s).toFixed(3)} ms`;
const rows: [string, string][] = [
  [`step (median of ${n}; mean)`, `${msOne(stepMedian)}; ${ms(stepTotal)}`],
  ["GEMM floor: the step's sgemm calls alone, after each step", `${msOne(floorMedian)}; ${ms(gemmTotal)}`],
  ['step / GEMM floor (medians; means)', `${(stepMedian / floorMedian).toFixed(3)}; ${(stepTotal / gemmTotal).toFixed(3)}`],
];
for (const p of phases) rows.push([`phase ${p}`, `${ms(phaseTime.get(p)!)} (${((100 * phaseTime.get(p)!) / stepTotal).toFixed(1)} %)`]);
let inKernels = 0;
for (const [name, e] of [...kernelTime].sort((a, b) => b[1].s - a[1].s)) {
  inKernels += e.s;
  const floor = perKernelFloor.get(name);
  const gemm = floor === undefined ? '' : `, GEMM ${ms(floor)}, rest ${ms(e.s - floor)}`;
  rows.push([`kernel ${name} ×${(e.calls / n).toFixed(0)}/step`, `${ms(e.s)}${gemm}`]);
}
rows.push([
  'outside kernels (JS: graph, checks, gather, …)',
  `${ms(stepTotal - inKernels)} (${((100 * (stepTotal - inKernels)) / stepTotal).toFixed(1)} %)`,
]);
const outside = stepMedian - floorMedian;
rows.push(['outside GEMMs (step − floor, medians)', `${msOne(outside)} (× 469 steps = ${(469 * outside).toFixed(3)} s/epoch)`]);
reportRows(`${title} training step (${optimizerName}), batch ${bs}, ${threads} thread(s)`, rows);
