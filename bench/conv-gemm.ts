/**
 * Why LeNet-5's convolutions are slower than PyTorch's on AVX2: the per-image products of the im2col path
 * (native/conv.cc) on both kernel sets, in GFLOP/s, beside a 512³ product. LeNet's first layer is 6×784×25 per
 * image (O×P×K) and its second 16×100×150; with K = 25 a GEMM spends its time packing and storing, not multiplying.
 *
 *   npx tsx bench/conv-gemm.ts [--reps R] [--kernels current]
 *
 * Each figure: median over R (default 30) runs of the 128 per-image calls of one training batch, after a warm-up;
 * 1 thread.
 */
import { getBackend } from '../lib/index.js';
import { median, option } from './args.js';
import { bothKernelSets, reportRows } from './kernel-sets.js';

bothKernelSets('LeNet-5 per-image convolution products');

const reps = option('--reps', 30);
const native = getBackend('native');
native.setNumThreads(1);
const images = 128;

function time(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    xs.push(performance.now() - t0);
  }
  return median(xs) / 1000;
}

const gflops = (flops: number, s: number) => `${(flops / s / 1e9).toFixed(1)} GFLOP/s (${(s * 1000).toFixed(2)} ms per batch)`;
const rows: [string, string][] = [];
for (const [layer, O, K, P] of [
  ['first layer', 6, 25, 784],
  ['second layer', 16, 150, 100],
] as const) {
  const W = new Float32Array(O * K).fill(0.1);
  const cols = new Float32Array(K * P).fill(0.2);
  const Y = new Float32Array(O * P * images).fill(0.3);
  const flops = 2 * O * K * P * images;
  const y = (n: number) => Y.subarray(n * O * P, (n + 1) * O * P);
  // forward Y_n = W·cols_n; dW += dY_n·cols_nᵀ; cols_n = Wᵀ·dY_n (as conv2dForward / conv2dBackward call them)
  const fwd = time(() => {
    for (let n = 0; n < images; n++) native.sgemm(false, false, O, P, K, 1, W, cols, 0, y(n));
  });
  const dW = time(() => {
    for (let n = 0; n < images; n++) native.sgemm(false, true, O, K, P, 1, y(n), cols, 1, W);
  });
  const dX = time(() => {
    for (let n = 0; n < images; n++) native.sgemm(true, false, K, P, O, 1, W, y(n), 0, cols);
  });
  rows.push([`${layer}: forward ${O}×${P}×${K}, ×${images}`, gflops(flops, fwd)]);
  rows.push([`${layer}: dWeight ${O}×${K}×${P}, ×${images}`, gflops(flops, dW)]);
  // The first layer's input is the images: training computes no gradient for it.
  if (layer !== 'first layer') rows.push([`${layer}: dX ${K}×${P}×${O}, ×${images}`, gflops(flops, dX)]);
}
const n = 512;
const A = new Float32Array(n * n).fill(0.1);
const B = new Float32Array(n * n).fill(0.1);
const C = new Float32Array(n * n);
rows.push([
  'for scale: one 512³ product',
  gflops(
    2 * n ** 3,
    time(() => native.sgemm(false, false, n, n, n, 1, A, B, 0, C)),
  ),
]);
reportRows('LeNet-5 per-image convolution products (im2col path), 1 thread', rows);
