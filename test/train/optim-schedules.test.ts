/** Learning-rate schedules against PyTorch 1.13's lr_scheduler, stepped by hand and as fit callbacks. */
import { describe, expect, it } from 'vitest';
import { getBackend, NeuroblasError } from '../../lib/index.js';
import { CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau, SGD, StepLR } from '../../lib/optim/index.js';
import type { EpochLogs, TrainContext } from '../../lib/train/callbacks.js';
import { expectClose } from '../helpers/close.js';

const backend = getBackend('js');
const sgd = (lr: number): SGD => new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr, backend });

/** The lr after each of `epochs` calls to step(). */
function trajectory(step: () => void, opt: SGD, epochs: number): number[] {
  const lrs: number[] = [];
  for (let e = 0; e < epochs; e++) {
    step();
    lrs.push(opt.lr);
  }
  return lrs;
}

// Expected values computed with /usr/bin/python3 and torch 1.13: an SGD optimizer with the given lr, the
// scheduler with the same settings (snake_case), and param_groups[0]['lr'] after each scheduler.step().
const TORCH = {
  // StepLR(lr=0.1, step_size=3, gamma=0.5), 10 steps
  step: [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125],
  // ExponentialLR(lr=0.1, gamma=0.9), 6 steps
  exp: [0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002, 0.05314410000000002],
  // CosineAnnealingLR(lr=0.1, T_max=5, eta_min=0.001), 12 steps: down to eta_min at 5, back up to 0.1 at 10
  cos: [
    0.0905463412215599, 0.06579634122155989, 0.035203658778440096, 0.010453658778440105, 0.001, 0.010453658778440102, 0.03520365877844012,
    0.06579634122155993, 0.09054634122155995, 0.10000000000000005, 0.09054634122155998, 0.06579634122155995,
  ],
  // ReduceLROnPlateau(lr=1, mode='min', factor=0.5, patience=2, cooldown=1, threshold=0.1, min_lr=0.2)
  plateauMin: {
    metrics: [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2],
    lrs: [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2],
  },
  // ReduceLROnPlateau(lr=0.1, mode='max', factor=0.1, patience=1, threshold=0.02, threshold_mode='abs')
  plateauMaxAbs: {
    metrics: [0.5, 0.6, 0.605, 0.61, 0.7, 0.69, 0.68, 0.7, 0.71],
    lrs: [
      0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002,
      0.00010000000000000003,
    ],
  },
};

/** A context for callbacks that only need the optimizer. */
function context(opt: SGD): TrainContext {
  return { model: { getWeights: () => [], setWeights: () => {} }, optimizer: opt, stop: () => {} };
}

const logs = (epoch: number, extra: Partial<EpochLogs> = {}): EpochLogs => ({ epoch, loss: 1, lr: 0, seconds: 0, ...extra });

describe('epoch schedules against PyTorch', () => {
  it("StepLR multiplies by gamma every stepSize epochs (PyTorch's numbers exactly)", () => {
    const opt = sgd(0.1);
    const s = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
    expect(s.baseLr).toBe(0.1);
    expect(trajectory(() => s.step(), opt, 10)).toEqual(TORCH.step);
    expect(s.epoch).toBe(10);
  });

  it("ExponentialLR multiplies by gamma every epoch (PyTorch's numbers exactly)", () => {
    const opt = sgd(0.1);
    const s = new ExponentialLR(opt, { gamma: 0.9 });
    expect(trajectory(() => s.step(), opt, 6)).toEqual(TORCH.exp);
  });

  it('CosineAnnealingLR follows the half cosine down to etaMin and back up', () => {
    const opt = sgd(0.1);
    const s = new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 });
    expectClose(
      trajectory(() => s.step(), opt, 12),
      TORCH.cos,
      { rtol: 1e-12 },
      'cosine lr',
    );
  });

  it('the default StepLR gamma is 0.1, CosineAnnealingLR etaMin 0', () => {
    const a = sgd(1);
    const s = new StepLR(a, { stepSize: 1 });
    s.step();
    expect(a.lr).toBe(0.1);
    const b = sgd(1);
    const c = new CosineAnnealingLR(b, { tMax: 2 });
    c.step();
    c.step();
    expect(b.lr).toBe(0);
  });

  it('as fit callbacks they step once per epoch', () => {
    const opt = sgd(0.1);
    const s = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
    for (let e = 1; e <= 4; e++) s.onEpochEnd(logs(e), context(opt));
    expect(opt.lr).toBe(TORCH.step[3]);
  });

  it("StepLR composes with lr changes made in between, as PyTorch's chainable form does", () => {
    const opt = sgd(1);
    const s = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step();
    opt.lr = 0.8;
    s.step();
    expect(opt.lr).toBe(0.4);
  });
});

describe('ReduceLROnPlateau against PyTorch', () => {
  it('mode min, relative threshold, cooldown and minLr', () => {
    const opt = sgd(1);
    const s = new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.5, patience: 2, cooldown: 1, threshold: 0.1, minLr: 0.2 });
    const lrs = TORCH.plateauMin.metrics.map((m) => {
      s.step(m);
      return opt.lr;
    });
    expect(lrs).toEqual(TORCH.plateauMin.lrs);
  });

  it('mode max, absolute threshold', () => {
    const opt = sgd(0.1);
    const s = new ReduceLROnPlateau(opt, { mode: 'max', factor: 0.1, patience: 1, threshold: 0.02, thresholdMode: 'abs' });
    const lrs = TORCH.plateauMaxAbs.metrics.map((m) => {
      s.step(m);
      return opt.lr;
    });
    expect(lrs).toEqual(TORCH.plateauMaxAbs.lrs);
  });

  it('defaults: patience 10, factor 0.1; a NaN metric counts as a bad epoch', () => {
    const opt = sgd(1);
    const s = new ReduceLROnPlateau(opt);
    s.step(1);
    for (let e = 0; e < 10; e++) s.step(NaN);
    expect(opt.lr).toBe(1);
    s.step(NaN);
    expect(opt.lr).toBe(0.1);
  });

  it('as a callback: watches valLoss, falls back to loss, or the configured monitor', () => {
    const opt = sgd(1);
    const s = new ReduceLROnPlateau(opt, { patience: 0 });
    s.onEpochEnd(logs(1, { loss: 5, valLoss: 1 }), context(opt));
    s.onEpochEnd(logs(2, { loss: 4, valLoss: 2 }), context(opt)); // valLoss got worse although loss improved
    expect(opt.lr).toBeCloseTo(0.1, 15);

    const opt2 = sgd(1);
    const s2 = new ReduceLROnPlateau(opt2, { patience: 0 });
    s2.onEpochEnd(logs(1, { loss: 5 }), context(opt2));
    s2.onEpochEnd(logs(2, { loss: 4 }), context(opt2));
    expect(opt2.lr).toBe(1);
    expect(s2.best).toBe(4);

    const opt3 = sgd(1);
    const s3 = new ReduceLROnPlateau(opt3, { mode: 'max', patience: 0, monitor: 'valAccuracy' });
    s3.onEpochEnd(logs(1, { valAccuracy: 0.5 }), context(opt3));
    s3.onEpochEnd(logs(2, { valAccuracy: 0.4 }), context(opt3));
    expect(opt3.lr).toBeCloseTo(0.1, 15);
    expect(() => s3.onEpochEnd(logs(3), context(opt3))).toThrow(
      /monitor 'valAccuracy' is not in the epoch logs \(they have epoch, loss, lr, seconds\)/,
    );
  });
});

describe('schedule option checks', () => {
  function code(f: () => unknown): string | undefined {
    try {
      f();
    } catch (e) {
      return e instanceof NeuroblasError ? e.code : 'not a NeuroblasError';
    }
    return undefined;
  }
  it('refuses bad settings with ERR_INVALID_ARG', () => {
    const opt = sgd(0.1);
    expect(code(() => new StepLR(opt, { stepSize: 0 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new StepLR(opt, { stepSize: 1.5 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new StepLR(opt, { stepSize: 2, gamma: -1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ExponentialLR(opt, {} as { gamma: number }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new CosineAnnealingLR(opt, { tMax: 0 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ReduceLROnPlateau(opt, { factor: 1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ReduceLROnPlateau(opt, { mode: 'up' as 'min' }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ReduceLROnPlateau(opt, { thresholdMode: 'ratio' as 'rel' }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ReduceLROnPlateau(opt, { patience: -1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new ReduceLROnPlateau(opt, { step_size: 1 } as never))).toBe('ERR_INVALID_ARG');
    expect(code(() => new StepLR({} as SGD, { stepSize: 1 }))).toBe('ERR_INVALID_ARG');
    expect(() => new ReduceLROnPlateau(opt, { factor: 1 })).toThrow('ReduceLROnPlateau: factor must be < 1, got 1');
  });
});
