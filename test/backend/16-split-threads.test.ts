/**
 * Kernels split over threads (native/parallel.h). The optimizer steps: with 2 or 3 threads configured, each gives
 * exactly what one thread gives (each element's update is its own), on sizes big enough to split and odd so that the
 * slices are uneven, with NaN and ±Infinity landing in different slices and counted once each. The js backend (one
 * thread) gives the same values within float rounding.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, type Backend } from '../../lib/index.js';
import { expectClose } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

const native = getBackend('native');
const js = getBackend('js');
const threadsBefore = native.getNumThreads();
afterAll(() => native.setNumThreads(threadsBefore));

const n = 3 * (1 << 16) + 7; // above 2 grains of 2^16: 2 and 3 threads both split it

interface Case {
  name: string;
  /**
   * State buffers (besides param and grad): 'any' values, 'positive' ones (a running mean of squares), or 'small'
   * ones (RMSprop's centred mean of g, below the root of its mean of g², as in training).
   */
  state: [string, 'any' | 'positive' | 'small'][];
  /** Runs the kernel at `step` on param, grad and the state; returns the count of non-finite results. */
  run(b: Backend, step: number, p: Float32Array, g: Float32Array, s: Float32Array[]): number;
}

const cases: Case[] = [
  {
    name: 'sgdStep',
    state: [['buf', 'any']],
    run: (b, t, p, g, [m]) => b.sgdStep(n, p, g, m, t, { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-4 }),
  },
  {
    name: 'sgdStep (Nesterov)',
    state: [['buf', 'any']],
    run: (b, t, p, g, [m]) => b.sgdStep(n, p, g, m, t, { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0 }),
  },
  {
    name: 'sgdStep (no momentum)',
    state: [],
    run: (b, t, p, g) => b.sgdStep(n, p, g, null, t, { lr: 0.05, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }),
  },
  {
    name: 'adamStep (AMSGrad, decoupled)',
    state: [
      ['m', 'any'],
      ['v', 'positive'],
      ['vMax', 'positive'],
    ],
    run: (b, t, p, g, [m, v, vMax]) =>
      b.adamStep(n, p, g, m, v, vMax, t, {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        decoupled: true,
        amsgrad: true,
      }),
  },
  {
    name: 'rmspropStep (centered, momentum)',
    state: [
      ['squareAvg', 'positive'],
      ['gradAvg', 'small'],
      ['buf', 'any'],
    ],
    run: (b, _t, p, g, [sq, ga, buf]) =>
      b.rmspropStep(n, p, g, sq, ga, buf, { lr: 1e-3, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.9, centered: true }),
  },
  {
    name: 'adagradStep',
    state: [['sum', 'positive']],
    run: (b, t, p, g, [s]) => b.adagradStep(n, p, g, s, t, { lr: 0.01, lrDecay: 0.001, weightDecay: 0, eps: 1e-10 }),
  },
  {
    name: 'adadeltaStep',
    state: [
      ['squareAvg', 'positive'],
      ['accDelta', 'positive'],
    ],
    run: (b, _t, p, g, [sq, acc]) => b.adadeltaStep(n, p, g, sq, acc, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0 }),
  },
  {
    name: 'adamaxStep',
    state: [
      ['expAvg', 'any'],
      ['expInf', 'positive'],
    ],
    run: (b, t, p, g, [m, u]) => b.adamaxStep(n, p, g, m, u, t, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }),
  },
  {
    name: 'nadamStep',
    state: [
      ['m', 'any'],
      ['v', 'positive'],
    ],
    run: (b, t, p, g, [m, v]) =>
      b.nadamStep(n, p, g, m, v, t, { lr: 2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 }),
  },
];

/** Two steps from the same start on `b` with `threads` threads: the arrays after them and the counts. */
function twoSteps(c: Case, b: Backend, threads: number) {
  if (b === native) native.setNumThreads(threads);
  const rng = new Rng(11);
  const p = rng.floats(n);
  const g = rng.floats(n);
  // Non-finite gradients in the first, middle and last slices (3 threads: n/3 apart), so each slice counts its own.
  g[5] = NaN;
  g[Math.floor(n / 2)] = Infinity;
  g[n - 3] = -Infinity;
  const s = c.state.map(([, kind]) => rng.floats(n).map((v) => (kind === 'any' ? v : kind === 'positive' ? Math.abs(v) + 0.1 : 0.1 * v)));
  const counts = [c.run(b, 1, p, g, s), c.run(b, 2, p, g, s)];
  return { arrays: [p, ...s], counts };
}

describe.each(cases)('$name split over threads', (c) => {
  it("2 and 3 threads give one thread's values bit for bit, and the same count of non-finite weights", () => {
    const one = twoSteps(c, native, 1);
    expect(one.counts[0]).toBeGreaterThanOrEqual(3);
    for (const threads of [2, 3]) {
      const many = twoSteps(c, native, threads);
      expect(many.counts).toEqual(one.counts);
      for (const [i, a] of many.arrays.entries()) expect(Buffer.from(a.buffer).equals(Buffer.from(one.arrays[i].buffer))).toBe(true);
    }
  });

  it('matches the js backend within float rounding', () => {
    const nat = twoSteps(c, native, 2);
    const spec = twoSteps(c, js, 1);
    expect(nat.counts).toEqual(spec.counts);
    // The tolerance of the native-vs-js optimizer trajectories in 06-optimizers-more.test.ts: the two backends round
    // differently (native contracts multiply-adds, and the sanitizer build is compiled otherwise).
    for (const [i, a] of nat.arrays.entries()) expectClose(a, spec.arrays[i], { rtol: 1e-4, atol: 1e-6 }, `${c.name}: array ${i}`);
  });
});

/**
 * The convolutions split their batch over threads when each image's products are small (LeNet's layers): forward
 * per image, backward in partial sums of 8 images added in order, so 1, 2 and 3 threads agree bit for bit. (The
 * values against the js specification: 13-conv-pool.test.ts and 09-native-vs-js.test.ts.)
 */
describe('conv2d split over threads', () => {
  const shapes = [
    // 43 images: 43·784 values per channel, enough for the bias gradient to split by channel too (conv.cc's kBiasGrain).
    { name: "LeNet's first layer (1→6, 5×5, padding 2), 43 images", N: 43, C: 1, H: 28, W: 28, O: 6, k: 5, stride: 1, pad: 2, dilation: 1 },
    { name: "LeNet's second layer (6→16, 5×5), 37 images", N: 37, C: 6, H: 14, W: 14, O: 16, k: 5, stride: 1, pad: 0, dilation: 1 },
    { name: 'stride 2, dilation 2, 3 images', N: 3, C: 3, H: 13, W: 11, O: 4, k: 3, stride: 2, pad: 1, dilation: 2 },
  ];

  function run(b: Backend, threads: number, s: (typeof shapes)[number]) {
    if (b === native) native.setNumThreads(threads);
    const rng = new Rng(5);
    const OH = Math.floor((s.H + 2 * s.pad - s.dilation * (s.k - 1) - 1) / s.stride) + 1;
    const OW = Math.floor((s.W + 2 * s.pad - s.dilation * (s.k - 1) - 1) / s.stride) + 1;
    const K = s.C * s.k * s.k;
    const x = rng.floats(s.N * s.C * s.H * s.W);
    const w = rng.floats(s.O * K);
    const bias = rng.floats(s.O);
    const cols = new Float32Array(K * OH * OW);
    const y = new Float32Array(s.N * s.O * OH * OW);
    b.conv2dForward(s.N, s.C, s.H, s.W, s.O, s.k, s.k, s.stride, s.pad, s.dilation, x, w, bias, cols, y);
    const dy = rng.floats(y.length);
    const dW = rng.floats(w.length); // beta = 1 adds to what is there
    const dB = new Float32Array(s.O);
    const dX = new Float32Array(x.length);
    b.conv2dBackward(s.N, s.C, s.H, s.W, s.O, s.k, s.k, s.stride, s.pad, s.dilation, x, w, dy, cols, 1, dW, dB, dX);
    // Without dX (a first layer): LeNet's first layer then takes the direct kernels (conv-direct.h).
    const dWFirst = new Float32Array(w.length);
    b.conv2dBackward(s.N, s.C, s.H, s.W, s.O, s.k, s.k, s.stride, s.pad, s.dilation, x, w, dy, cols, 0, dWFirst, null, null);
    return [y, dW, dB, dX, dWFirst];
  }

  it.each(shapes)('$name: 2 and 3 threads give what 1 thread gives, bit for bit', (s) => {
    const one = run(native, 1, s);
    for (const threads of [2, 3]) {
      const many = run(native, threads, s);
      for (const [i, a] of many.entries()) expect(Buffer.from(a.buffer).equals(Buffer.from(one[i].buffer)), `output ${i}`).toBe(true);
    }
  });
});

/** Activation layers and max pooling split elements or planes over threads; each output is its own, so bit for bit. */
describe('activations and max pooling split over threads', () => {
  const same = (a: Float32Array | Int32Array, b: Float32Array | Int32Array) => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

  it.each(['relu', 'gelu', 'sigmoid', 'elu'] as const)('%s forward and backward: 2 and 3 threads give 1 thread’s values', (kind) => {
    const m = 3 * (1 << 15) + 5;
    const run = (threads: number) => {
      native.setNumThreads(threads);
      const rng = new Rng(3);
      const x = rng.floats(m, 4);
      x[7] = NaN;
      x[m - 2] = -Infinity;
      const y = new Float32Array(m);
      native.activationForward(kind, kind === 'elu' ? 1 : 0, m, x, y);
      const dx = new Float32Array(m);
      native.activationBackward(kind, kind === 'elu' ? 1 : 0, m, x, y, rng.floats(m), dx);
      return [y, dx];
    };
    const one = run(1);
    for (const threads of [2, 3]) {
      const many = run(threads);
      expect(same(many[0], one[0]) && same(many[1], one[1])).toBe(true);
    }
  });

  it.each([
    { name: '2×2 windows', k: 2, stride: 2, pad: 0 },
    { name: '3×3 windows, stride 2, padding 1', k: 3, stride: 2, pad: 1 },
  ])('maxPool2d, $name, 41×5 planes: 2 and 3 threads give 1 thread’s values and indices', ({ k, stride, pad }) => {
    const [N, C, H, W] = [41, 5, 14, 13];
    const OH = Math.floor((H + 2 * pad - k) / stride) + 1;
    const OW = Math.floor((W + 2 * pad - k) / stride) + 1;
    const run = (threads: number) => {
      native.setNumThreads(threads);
      const rng = new Rng(9);
      const x = rng.floats(N * C * H * W);
      x[100] = NaN;
      const y = new Float32Array(N * C * OH * OW);
      const argmax = new Int32Array(y.length);
      native.maxPool2dForward(N, C, H, W, k, stride, pad, x, y, argmax);
      const dx = new Float32Array(x.length).fill(7); // overwritten, every plane
      native.maxPool2dBackward(N, C, H, W, k, stride, pad, rng.floats(y.length), argmax, dx);
      return { y, argmax, dx };
    };
    const one = run(1);
    for (const threads of [2, 3]) {
      const many = run(threads);
      expect(same(many.y, one.y) && same(many.argmax, one.argmax) && same(many.dx, one.dx)).toBe(true);
      expect(many.dx.includes(7)).toBe(false);
    }
  });
});

/**
 * Products of at least 4M multiply-adds split into bands of C's columns (or rows, when C is taller than wide) over the
 * threads, each band one OpenBLAS call on one thread (native/gemm.cc): every entry is the same dot product as on one
 * thread, so 2 and 3 threads give one thread's bits. Odd sizes (bands of uneven width), both transposes, beta ≠ 0 with
 * NaN in A landing in one band only.
 */
describe('sgemm split into bands over threads', () => {
  const shapes: [string, boolean, boolean, number, number, number][] = [
    ['MLP-A forward 128×512×784 (columns)', false, false, 128, 512, 784],
    ['300×200×70, Aᵀ (rows)', true, false, 300, 200, 70],
    ['131×37×1001, Bᵀ (rows, uneven)', false, true, 131, 37, 1001],
    ['33×701×301, Aᵀ Bᵀ (columns, uneven)', true, true, 33, 701, 301],
  ];
  it.each(shapes)('%s: 2 and 3 threads give 1 thread’s bits', (_name, tA, tB, M, N, K) => {
    const rng = new Rng(M + N + K);
    const A = rng.floats(M * K),
      B = rng.floats(K * N),
      C0 = rng.floats(M * N);
    A[A.length - 1] = Number.NaN; // one row of op(A) (or one column): only some bands' entries become NaN
    const run = (threads: number) => {
      native.setNumThreads(threads);
      const C = C0.slice();
      native.sgemm(tA, tB, M, N, K, 0.5, A, B, 0.25, C);
      return new Uint32Array(C.buffer);
    };
    const one = run(1);
    expect(run(2)).toEqual(one);
    expect(run(3)).toEqual(one);
    const expected = C0.slice();
    js.sgemm(tA, tB, M, N, K, 0.5, A, B, 0.25, expected);
    native.setNumThreads(2);
    const C = C0.slice();
    native.sgemm(tA, tB, M, N, K, 0.5, A, B, 0.25, C);
    expect(Array.from(C, Number.isNaN)).toEqual(Array.from(expected, Number.isNaN));
    const finite = expected.filter((v) => !Number.isNaN(v));
    expectClose(
      C.filter((v) => !Number.isNaN(v)),
      finite,
      normwise(finite),
      'C',
    );
  });
});
