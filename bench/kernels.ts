/**
 * Kernel bench: native vs js on the shapes training uses. A script, not a test:
 *   npx tsx bench/kernels.ts [--threads N] [--kernels current]   (both OpenBLAS kernel sets by default: kernel-sets.ts)
 * Threads are pinned (1 unless --threads says otherwise) so the numbers compare the kernels, not the cores.
 * Each figure is the median of repeated timings after a warm-up, timed with process.hrtime.bigint().
 */
import { ACTIVATION_KINDS, backendInfo, getBackend, type Backend } from '../lib/index.js';
import { bothKernelSets } from './kernel-sets.js';

bothKernelSets('kernels');

function threadsFlag(): number {
  const i = process.argv.indexOf('--threads');
  if (i < 0) return 1;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--threads needs a positive integer, got ${process.argv[i + 1]}`);
  return n;
}

/** Median seconds per call: warm up, then repeat until `budget` seconds or `maxReps` calls (at least 3). */
function time(fn: () => void, budget = 0.3, maxReps = 200): number {
  fn();
  const samples: number[] = [];
  let spent = 0;
  while (samples.length < 3 || (spent < budget && samples.length < maxReps)) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    samples.push(s);
    spent += s;
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

/** Deterministic filler (a bench needs no statistics, only non-trivial values). */
function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = x / 2 ** 32 - 0.5;
  }
  return a;
}

function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of cells.slice(1)) console.log(line(r));
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2) : '—');
const ratio = (n: number, j: number) => (Number.isFinite(n) && Number.isFinite(j) ? `${(n / j).toFixed(1)}×` : '—');

const threads = threadsFlag();
const js = getBackend('js');
let native: Backend | null = null;
try {
  native = getBackend('native');
  native.setNumThreads(threads);
} catch (e) {
  console.log(`native backend unavailable, js only: ${(e as Error).message}`);
}
const info = backendInfo();
console.log(`threads: native ${native ? native.getNumThreads() : '—'}, js ${js.getNumThreads()}`);
console.log(
  `OpenBLAS: ${info.openblas ? `core ${info.openblas.coreName} (${info.openblas.coreTypeSource}); ${info.openblas.config}` : 'not loaded'}`,
);

/** GFLOP/s of one sgemm shape on a backend (NaN when the backend is missing). */
function sgemmGflops(b: Backend | null, tA: boolean, tB: boolean, M: number, N: number, K: number, budget: number): number {
  if (!b) return NaN;
  const A = filled(M * K, 1),
    B = filled(K * N, 2),
    C = new Float32Array(M * N);
  const s = time(() => b.sgemm(tA, tB, M, N, K, 1, A, B, 0, C), budget);
  return (2 * M * N * K) / s / 1e9;
}

// Square products. js at 1024³ takes seconds per call, so it gets a budget of a few calls.
const squareRows: (string | number)[][] = [];
for (const n of [64, 256, 512, 1024]) {
  const nat = sgemmGflops(native, false, false, n, n, n, 0.5);
  const j = sgemmGflops(js, false, false, n, n, n, n >= 1024 ? 0.1 : 0.5);
  squareRows.push([`${n}³`, fmt(nat), fmt(j), ratio(nat, j)]);
}
printTable('sgemm, square (GFLOP/s)', ['shape', 'native', 'js', 'native/js'], squareRows);

// The MLP's products: forward X·W (batch×in · in×out), dW = Xᵀ·dY, dX = dY·Wᵀ.
const mlpRows: (string | number)[][] = [];
for (const batch of [32, 128, 256]) {
  for (const [inF, outF] of [
    [784, 512],
    [512, 256],
    [256, 10],
  ]) {
    const shapes: [string, boolean, boolean, number, number, number][] = [
      ['fwd X·W', false, false, batch, outF, inF],
      ['dW Xᵀ·dY', true, false, inF, outF, batch],
      ['dX dY·Wᵀ', false, true, batch, inF, outF],
    ];
    for (const [what, tA, tB, M, N, K] of shapes) {
      const nat = sgemmGflops(native, tA, tB, M, N, K, 0.2);
      const j = sgemmGflops(js, tA, tB, M, N, K, 0.2);
      mlpRows.push([`${batch} × ${inF}→${outF} ${what}`, `${M}×${N}×${K}`, fmt(nat), fmt(j), ratio(nat, j)]);
    }
  }
}
printTable('sgemm, MLP shapes (GFLOP/s)', ['layer', 'M×N×K', 'native', 'js', 'native/js'], mlpRows);

// Activations over 1M elements: G elements/s.
const n = 1 << 20;
const X = filled(n, 3),
  Y = new Float32Array(n),
  dY = filled(n, 4),
  dX = new Float32Array(n);
const actRows: (string | number)[][] = [];
for (const kind of ACTIVATION_KINDS) {
  const param = kind === 'leaky_relu' ? 0.01 : kind === 'elu' ? 1 : 0;
  const rate = (b: Backend | null, fwd: boolean) => {
    if (!b) return NaN;
    b.activationForward(kind, param, n, X, Y);
    const s = time(() => (fwd ? b.activationForward(kind, param, n, X, Y) : b.activationBackward(kind, param, n, X, Y, dY, dX)), 0.2);
    return n / s / 1e9;
  };
  for (const fwd of [true, false]) {
    const nat = rate(native, fwd),
      j = rate(js, fwd);
    actRows.push([`${kind} ${fwd ? 'forward' : 'backward'}`, fmt(nat), fmt(j), ratio(nat, j)]);
  }
}
printTable('activations, 1M elements (G elements/s)', ['kernel', 'native', 'js', 'native/js'], actRows);

// Fused softmax cross-entropy: G logits/s, and microseconds per call.
const ceRows: (string | number)[][] = [];
for (const [M, N] of [
  [128, 10],
  [256, 1000],
]) {
  const logits = filled(M * N, 5),
    probs = new Float32Array(M * N),
    d = new Float32Array(M * N);
  const labels = Int32Array.from({ length: M }, (_, i) => (i * 7) % N);
  const secs = (b: Backend | null) => (b ? time(() => b.softmaxCrossEntropy(M, N, logits, labels, probs, d), 0.2, 2000) : NaN);
  const nat = secs(native),
    j = secs(js);
  ceRows.push([`${M} × ${N}`, fmt((M * N) / nat / 1e9), fmt((M * N) / j / 1e9), fmt(nat * 1e6), fmt(j * 1e6), ratio(j, nat)]);
}
printTable('softmax cross-entropy (G logits/s; µs per call)', ['batch', 'native G/s', 'js G/s', 'native µs', 'js µs', 'native/js'], ceRows);
