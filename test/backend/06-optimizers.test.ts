/** Optimizer steps: PyTorch's four-step trajectories, then every option over several steps against a
 *  float64 implementation of the same rules. The gradient must never be written. */
import { describe, expect, it } from 'vitest';
import type { AdagradOptions, AdamOptions, Backend, RmspropOptions, SgdOptions } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { Adagrad64, Adam64, Rmsprop64, Sgd64 } from '../helpers/optim64.js';
import { Rng } from '../helpers/random.js';
import { trajectoryTol } from '../helpers/tolerances.js';
import { reference, type OptimizersRef } from '../helpers/reference.js';

const ref = reference<OptimizersRef>('optimizers');
const TOL = { rtol: 1e-5 };

/** One optimizer with its state buffers, stepping a parameter vector through the backend. */
type Stepper = (b: Backend, n: number, p: Float32Array) => (g: Float32Array, step: number) => void;

function sgd(o: Partial<SgdOptions>): Stepper {
  const opts: SgdOptions = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...o };
  return (b, n, p) => {
    const buf = new Float32Array(n);
    return (g, step) => b.sgdStep(n, p, g, opts.momentum !== 0 ? buf : null, step, opts);
  };
}
function adam(o: Partial<AdamOptions>): Stepper {
  const opts: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, ...o };
  return (b, n, p) => {
    const m = new Float32Array(n),
      v = new Float32Array(n),
      vMax = new Float32Array(n);
    return (g, step) => b.adamStep(n, p, g, m, v, opts.amsgrad ? vMax : null, step, opts);
  };
}
function rmsprop(o: Partial<RmspropOptions>): Stepper {
  const opts: RmspropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...o };
  return (b, n, p) => {
    const sq = new Float32Array(n),
      ga = new Float32Array(n),
      buf = new Float32Array(n);
    return (g) => b.rmspropStep(n, p, g, sq, opts.centered ? ga : null, opts.momentum !== 0 ? buf : null, opts);
  };
}
function adagrad(o: Partial<AdagradOptions>): Stepper {
  const opts: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10, ...o };
  return (b, n, p) => {
    const sum = new Float32Array(n);
    return (g, step) => b.adagradStep(n, p, g, sum, step, opts);
  };
}

/** The reference file's cases, with PyTorch's defaults for every hyper-parameter it does not list. */
function fromReference(name: string, h: Record<string, unknown>): Stepper {
  const lr = h.lr as number,
    wd = (h.weight_decay as number | undefined) ?? 0;
  switch (name) {
    case 'sgd':
    case 'sgd_weight_decay':
    case 'momentum':
    case 'nesterov':
      return sgd({ lr, weightDecay: wd, momentum: (h.momentum as number | undefined) ?? 0, nesterov: h.nesterov === true });
    case 'adam':
    case 'adam_l2':
      return adam({ lr, weightDecay: wd, eps: (h.eps as number | undefined) ?? 1e-8 });
    case 'adamw':
      return adam({ lr, weightDecay: wd, decoupled: true });
    case 'rmsprop':
      return rmsprop({ lr, alpha: (h.alpha as number | undefined) ?? 0.99, eps: (h.eps as number | undefined) ?? 1e-8 });
    case 'adagrad':
      return adagrad({ lr });
  }
  throw new Error(`optimizers.json: no mapping for case ${name}`);
}

describe.each(backends)('optimizers against PyTorch ($name)', (b) => {
  it('the reference file has the nine expected cases', () => {
    expect(Object.keys(ref.cases).sort()).toEqual([
      'adagrad',
      'adam',
      'adam_l2',
      'adamw',
      'momentum',
      'nesterov',
      'rmsprop',
      'sgd',
      'sgd_weight_decay',
    ]);
  });

  it.each(Object.keys(ref.cases))('%s: four steps match PyTorch at 1e-5, and the gradient is left untouched', (name) => {
    const c = ref.cases[name],
      n = ref.p0.length,
      p = f32(ref.p0);
    const step = fromReference(name, c.hyper)(b, n, p);
    c.steps.forEach((want, s) => {
      const g = f32(ref.grads[s]);
      step(g, s + 1);
      expect(Array.from(g), 'grad must not be written').toEqual(Array.from(f32(ref.grads[s])));
      expectClose(p, want, TOL, `${name} after step ${s + 1}`);
    });
  });
});

describe.each(backends)('optimizer options over 6 steps against float64 ($name)', (b) => {
  const n = 37,
    steps = 6;
  /** Runs the backend and the float64 rules side by side on the same gradients. */
  function run(stepper: Stepper, ref64: (p: Float64Array) => { update(g: ArrayLike<number>): void }) {
    const rng = new Rng(41);
    const p = rng.floats(n),
      p64 = Float64Array.from(p);
    const step = stepper(b, n, p),
      r = ref64(p64),
      seen = p64.map(Math.abs);
    for (let s = 1; s <= steps; s++) {
      const g = rng.floats(n);
      if (s === 3) g.fill(0, 0, 5); // zero gradients: the amsgrad maximum and momentum decay must still be right
      step(g, s);
      r.update(g);
      p64.forEach((v, i) => {
        seen[i] = Math.max(seen[i], Math.abs(v));
      });
      expectClose(p, p64, trajectoryTol(seen), `param after step ${s}`);
    }
  }

  const sgdCases: Partial<SgdOptions>[] = [
    { lr: 0.05, momentum: 0.9, dampening: 0.3 },
    { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 },
    { lr: 0.05, momentum: 0.5, dampening: 0.5, weightDecay: 0.01 },
    { lr: 0.2, weightDecay: 0.5 },
  ];
  it.each(sgdCases)('sgd %o', (o) =>
    run(sgd(o), (p) => new Sgd64(p, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...o })),
  );

  const adamCases: Partial<AdamOptions>[] = [
    { lr: 0.01, amsgrad: true },
    { lr: 0.01, weightDecay: 0.1, decoupled: true },
    { lr: 0.01, weightDecay: 0.1, decoupled: true, amsgrad: true, beta1: 0.5, beta2: 0.9 },
    { lr: 0.02, weightDecay: 0.05, eps: 1e-3 },
  ];
  it.each(adamCases)('adam %o', (o) =>
    run(
      adam(o),
      (p) => new Adam64(p, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false, ...o }),
    ),
  );

  const rmsCases: Partial<RmspropOptions>[] = [
    { lr: 0.01, centered: true, momentum: 0.9 },
    { lr: 0.01, centered: true },
    { lr: 0.01, momentum: 0.5, weightDecay: 0.1 },
    { lr: 0.001, alpha: 0.9, eps: 1e-4 },
  ];
  it.each(rmsCases)('rmsprop %o', (o) =>
    run(rmsprop(o), (p) => new Rmsprop64(p, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...o })),
  );

  const adagradCases: Partial<AdagradOptions>[] = [
    { lr: 0.1, lrDecay: 0.3 },
    { lr: 0.1, lrDecay: 0.01, weightDecay: 0.2, eps: 1e-6 },
  ];
  it.each(adagradCases)('adagrad %o', (o) =>
    run(adagrad(o), (p) => new Adagrad64(p, { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10, ...o })),
  );

  it('n = 0 is a no-op', () => {
    // Empty buffers are accepted.
    const e = new Float32Array(0);
    const sgd0: SgdOptions = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };
    const adam0: AdamOptions = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false };
    expect(() => b.sgdStep(0, e, e.slice(), null, 1, sgd0)).not.toThrow();
    expect(() => b.adamStep(0, e, e.slice(), e.slice(), e.slice(), null, 1, adam0)).not.toThrow();
    // Longer buffers (sizes come first; buffers may be longer), with every option that touches a buffer on:
    // no element of the parameter, the gradient or any state buffer changes.
    const bufs = [1, 2, 3, 4, 5].map((k) => Float32Array.from([0.5, -1.25, 2, 0.75], (v) => v * k));
    const before = bufs.map((a) => Array.from(a));
    const [param, grad, s1, s2, s3] = bufs;
    b.sgdStep(0, param, grad, s1, 2, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.1 });
    b.adamStep(0, param, grad, s1, s2, s3, 2, { ...adam0, weightDecay: 0.1, amsgrad: true });
    b.rmspropStep(0, param, grad, s1, s2, s3, { lr: 0.1, alpha: 0.99, eps: 1e-8, weightDecay: 0.1, momentum: 0.9, centered: true });
    b.adagradStep(0, param, grad, s1, 2, { lr: 0.1, lrDecay: 0.01, weightDecay: 0.1, eps: 1e-10 });
    expect(bufs.map((a) => Array.from(a))).toEqual(before);
  });
});
