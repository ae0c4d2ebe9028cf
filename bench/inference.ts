/**
 * Inference bench: MLP-A (784-512-256-10 ReLU) through `predict`, batch-1 latency and batch-1024 throughput, against
 * PyTorch 1.13 (bench/peers/mlp_infer.py: the same model under torch.no_grad()). Both kernel sets (kernel-sets.ts).
 *
 *   npx tsx bench/inference.ts [--threads T] [--reps R] [--no-torch] [--kernels current]
 *
 * Each figure is a median over R calls (default 2000 for one row, R/50 for 1024 rows) after a warm-up. neuroblas is
 * measured before and after the PyTorch peer, and the two medians averaged, so both see about the same machine load.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, getBackend, manualSeed, predict, useBackend } from '../lib/index.js';
import { mlpA } from '../examples/fashion-mlp.js';
import { flag, median, option } from './args.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';
import { peerEnv } from './peers.js';

bothKernelSets('MLP-A inference');

const threads = option('--threads', 1);
const reps = option('--reps', 2000);
const native = getBackend('native');
native.setNumThreads(threads);
useBackend(native);
manualSeed(1);
const model = mlpA();

function filled(n: number): Float32Array {
  const a = new Float32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32;
  }
  return a;
}

/** Median seconds of predict on `rows` rows. */
function predictSeconds(rows: number, n: number): number {
  const x = new Tensor(filled(rows * 784), [rows, 784]);
  for (let i = 0; i < 20; i++) predict(model, x);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    predict(model, x);
    xs.push(performance.now() - t0);
  }
  return median(xs) / 1000;
}

/**
 * The floor under batch-1024 throughput: the three layers' sgemm calls alone (1024×784·784×512, ·512×256, ·256×10),
 * median seconds. Neither neuroblas nor PyTorch (whose Linear is the same OpenBLAS sgemm) can go below it.
 */
function gemmSeconds(n: number): number {
  const dims = [784, 512, 256, 10];
  const rows = 1024;
  const W = dims.slice(1).map((out, l) => filled(dims[l] * out));
  const H = [filled(rows * 784), ...dims.slice(1).map((d) => new Float32Array(rows * d))];
  const run = () => {
    for (let l = 0; l < 3; l++) native.sgemm(false, false, rows, dims[l + 1], dims[l], 1, H[l], W[l], 0, H[l + 1]);
  };
  for (let i = 0; i < 5; i++) run();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run();
    xs.push(performance.now() - t0);
  }
  return median(xs) / 1000;
}

interface TorchResult {
  torch: string;
  '1': number;
  '1024': number;
}

function torchPeer(): TorchResult | string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', 'mlp_infer.py');
  const r = spawnSync('/usr/bin/python3', [file, '--threads', String(threads), '--reps', String(reps)], {
    env: peerEnv(threads),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.error || r.status !== 0) return `peer failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

const bigReps = Math.max(20, Math.floor(reps / 50));
const before = [predictSeconds(1, reps), predictSeconds(1024, bigReps), gemmSeconds(bigReps)];
const torch = flag('--no-torch') ? 'skipped (--no-torch)' : torchPeer();
const after = [predictSeconds(1, reps), predictSeconds(1024, bigReps), gemmSeconds(bigReps)];
const one = (before[0] + after[0]) / 2;
const big = (before[1] + after[1]) / 2;
const floor = (before[2] + after[2]) / 2;

const us = (s: number) => `${(s * 1e6).toFixed(1)} µs`;
const perS = (s: number) => `${(1024 / s / 1000).toFixed(1)}k rows/s`;
const rows: [string, string][] = [
  ['batch 1: native latency (median)', us(one)],
  ['batch 1024: native throughput (median)', `${perS(big)} (${(big * 1000).toFixed(2)} ms per call)`],
  ['batch 1024: the 3 sgemm calls alone (the floor)', `${perS(floor)} (predict / floor ${(big / floor).toFixed(3)})`],
];
if (typeof torch === 'string') rows.push(['torch', torch]);
else {
  rows.push([`batch 1: torch ${torch.torch} latency`, `${us(torch['1'])} (native/torch ${(one / torch['1']).toFixed(2)}, goal ≤ 0.7)`]);
  rows.push(['batch 1024: torch throughput', `${perS(torch['1024'])} (native/torch ${(torch['1024'] / big).toFixed(2)}, goal ≥ 1.1)`]);
  rows.push(['batch 1024: best possible native/torch (floor)', (torch['1024'] / floor).toFixed(2)]);
}
reportRows(`MLP-A inference (predict), ${threads} thread(s)`, rows);
