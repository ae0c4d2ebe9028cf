/**
 * The optimizer steps split over threads (native/parallel.h): with 2 or 3 threads configured, every step kernel gives
 * exactly what one thread gives (each element's update is its own), on sizes big enough to split and odd so that the
 * slices are uneven, with NaN and ±Infinity landing in different slices and counted once each. The js backend (one
 * thread) gives the same values within float rounding.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, type Backend } from '../../lib/index.js';
import { Rng } from '../helpers/random.js';

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
    nat.arrays.forEach((a, i) => {
      // One expect per array (200,000 of them would take seconds): the worst element, and where it is.
      let worst = 0;
      let at = -1;
      for (let k = 0; k < n; k++) {
        const want = spec.arrays[i][k];
        const err = Number.isFinite(want) ? Math.abs(a[k] - want) / Math.max(1, Math.abs(want)) : Object.is(a[k], want) ? 0 : Infinity;
        if (err > worst) [worst, at] = [err, k];
      }
      expect(worst, `array ${i}, element ${at}`).toBeLessThanOrEqual(1e-5);
    });
  });
});
