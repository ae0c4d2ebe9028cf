/**
 * adadeltaStep, adamaxStep and nadamStep against PyTorch 1.13 (optimizers_more.json, made by optimizers_more.py
 * beside it: torch.optim.Adadelta / Adamax / NAdam, float32, foreach=False), then on an odd size with NaN and
 * zero gradients, every backend against js (the specification).
 */
import { describe, expect, it } from 'vitest';
import type { AdadeltaOptions, AdamaxOptions, Backend, NadamOptions } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { reference } from '../helpers/reference.js';
import * as js from '../../lib/backend/js/optim.js';

interface MoreRef {
  p0: number[];
  grads: number[][];
  cases: Record<string, { hyper: Record<string, number | number[]>; steps: number[][] }>;
}
const ref = reference<MoreRef>('optimizers_more');
const TOL = { rtol: 1e-5 };

type Stepper = (
  b: Pick<Backend, 'adadeltaStep' | 'adamaxStep' | 'nadamStep'>,
  n: number,
  p: Float32Array,
) => (g: Float32Array, t: number) => void;

function stepperFor(name: string, h: Record<string, number | number[]>): Stepper {
  const betas = (h.betas as number[] | undefined) ?? [0.9, 0.999];
  const wd = (h.weight_decay as number | undefined) ?? 0;
  if (name.startsWith('adadelta')) {
    const o: AdadeltaOptions = {
      lr: (h.lr as number) ?? 1,
      rho: (h.rho as number) ?? 0.9,
      eps: (h.eps as number) ?? 1e-6,
      weightDecay: wd,
    };
    return (b, n, p) => {
      const sq = new Float32Array(n),
        acc = new Float32Array(n);
      return (g) => b.adadeltaStep(n, p, g, sq, acc, o);
    };
  }
  if (name.startsWith('adamax')) {
    const o: AdamaxOptions = {
      lr: (h.lr as number) ?? 2e-3,
      beta1: betas[0],
      beta2: betas[1],
      eps: (h.eps as number) ?? 1e-8,
      weightDecay: wd,
    };
    return (b, n, p) => {
      const m = new Float32Array(n),
        u = new Float32Array(n);
      return (g, t) => b.adamaxStep(n, p, g, m, u, t, o);
    };
  }
  const o: NadamOptions = {
    lr: (h.lr as number) ?? 2e-3,
    beta1: betas[0],
    beta2: betas[1],
    eps: (h.eps as number) ?? 1e-8,
    weightDecay: wd,
    momentumDecay: (h.momentum_decay as number) ?? 4e-3,
  };
  return (b, n, p) => {
    const m = new Float32Array(n),
      v = new Float32Array(n);
    return (g, t) => b.nadamStep(n, p, g, m, v, t, o);
  };
}

const F = (n: number) => new Float32Array(n);

describe.each(backends)('Adadelta, Adamax, NAdam kernels ($name)', (b) => {
  it.each(Object.keys(ref.cases))('%s reproduces torch.optim step by step, never writing the grad', (name) => {
    const { hyper, steps } = ref.cases[name];
    const p = f32(ref.p0);
    const step = stepperFor(name, hyper)(b, p.length, p);
    steps.forEach((expected, k) => {
      const g = f32(ref.grads[k]);
      step(g, k + 1);
      expectClose(p, expected, TOL, `${name} step ${k + 1}`);
      expect(Array.from(g)).toEqual(Array.from(f32(ref.grads[k])));
    });
  });

  it.each(Object.keys(ref.cases))('%s matches js on 37 elements over 300 steps, zero and NaN gradients included', (name) => {
    const n = 37;
    const rng = new Rng(7);
    const p = rng.floats(n),
      pJs = p.slice();
    const make = stepperFor(name, ref.cases[name].hyper);
    const step = make(b, n, p),
      stepJs = make(js, n, pJs);
    for (let t = 1; t <= 300; t++) {
      const g = rng.floats(n);
      if (t % 7 === 0) g.fill(0, 0, 5);
      if (t === 299) g[36] = Number.NaN;
      step(g, t);
      stepJs(g.slice(), t);
      expectClose(p.subarray(0, 36), pJs.subarray(0, 36), { rtol: 1e-4, atol: 1e-6 }, `${name} step ${t}`);
    }
    expect(Number.isNaN(p[36]), 'a NaN gradient makes its parameter NaN, as in PyTorch').toBe(true);
  });

  it('every step kernel returns how many parameter values are not finite after it (0 when sound)', () => {
    const adam = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false };
    // Five parameters; the gradient makes the second NaN (a NaN gradient) and, with a huge lr, the fourth infinite.
    const steps: [string, (p: Float32Array, g: Float32Array, lr: number) => number][] = [
      ['sgdStep', (p, g, lr) => b.sgdStep(5, p, g, null, 1, { lr, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 })],
      ['adamStep', (p, g, lr) => b.adamStep(5, p, g, F(5), F(5), null, 1, { ...adam, lr })],
      [
        'rmspropStep',
        (p, g, lr) =>
          b.rmspropStep(5, p, g, F(5), null, null, { lr, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }),
      ],
      ['adagradStep', (p, g, lr) => b.adagradStep(5, p, g, F(5), 1, { lr, lrDecay: 0, weightDecay: 0, eps: 1e-10 })],
      ['adadeltaStep', (p, g, lr) => b.adadeltaStep(5, p, g, F(5), F(5), { lr, rho: 0.9, eps: 1e-6, weightDecay: 0 })],
      ['adamaxStep', (p, g, lr) => b.adamaxStep(5, p, g, F(5), F(5), 1, { lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 })],
      [
        'nadamStep',
        (p, g, lr) => b.nadamStep(5, p, g, F(5), F(5), 1, { lr, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3 }),
      ],
    ];
    for (const [name, run] of steps) {
      const p = Float32Array.from([0.5, -1, 2, 3e38, 1]);
      expect(run(p, Float32Array.from([0.1, 0.2, -0.3, 0.4, 0.5]), 0.1), name).toBe(0);
      expect(run(p, Float32Array.from([0.1, Number.NaN, -0.3, 0.4, 0.5]), 0.1), `${name}: a NaN gradient`).toBe(1);
      const huge = Float32Array.from([0.5, -1, 2, 3.4e38, 1]);
      const count = run(huge, Float32Array.from([0, 0, 0, -1, 0]), 1e38);
      expect(count, `${name}: a step past float32's range`).toBe(huge.filter((v) => !Number.isFinite(v)).length);
      expect(count, `${name}: a step past float32's range`).toBeGreaterThan(0);
    }
  });

  it('n = 0 changes nothing', () => {
    const bufs = [1, 2, 3, 4].map((k) => Float32Array.from([0.5, -1.25, 2], (v) => v * k));
    const before = bufs.map((a) => Array.from(a));
    const [p, g, s1, s2] = bufs;
    b.adadeltaStep(0, p, g, s1, s2, { lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0.1 });
    b.adamaxStep(0, p, g, s1, s2, 3, { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
    b.nadamStep(0, p, g, s1, s2, 3, { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, momentumDecay: 4e-3 });
    expect(bufs.map((a) => Array.from(a))).toEqual(before);
  });
});
