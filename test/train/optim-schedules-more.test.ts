/**
 * LinearLR, OneCycleLR and CosineAnnealingWarmRestarts against the lr sequences of PyTorch 1.13's schedulers
 * (optimizers_more.json's `schedules`, from optimizers_more.py beside it: the lr after construction, then after each
 * step), their state() / loadState(), OneCycleLR stepping once per batch under fitBlocking, and their checks.
 */
import { describe, expect, it } from 'vitest';
import {
  CosineAnnealingWarmRestarts,
  Dense,
  LinearLR,
  OneCycleLR,
  SGD,
  Sequential,
  fit,
  fitBlocking,
  Tensor,
  tensor,
  type Optimizer,
} from '../../lib/index.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { reference } from '../helpers/reference.js';

interface SchedRef {
  schedules: Record<string, { config: Record<string, unknown>; lrs: number[] }>;
}
const ref = reference<SchedRef>('optimizers_more');

type Schedule = { step(): void; state(): object; loadState(s: never): void };

function make(name: string, c: Record<string, unknown>, opt: Optimizer): Schedule {
  if (name.startsWith('linear'))
    return new LinearLR(opt, {
      startFactor: c.start_factor as number | undefined,
      endFactor: c.end_factor as number | undefined,
      totalIters: c.total_iters as number | undefined,
    });
  if (name.startsWith('onecycle'))
    return new OneCycleLR(opt, {
      maxLr: c.max_lr as number,
      totalSteps: c.total_steps as number,
      pctStart: c.pct_start as number | undefined,
      annealStrategy: c.anneal_strategy as 'cos' | 'linear' | undefined,
      divFactor: c.div_factor as number | undefined,
      finalDivFactor: c.final_div_factor as number | undefined,
      threePhase: c.three_phase as boolean | undefined,
    });
  return new CosineAnnealingWarmRestarts(opt, {
    t0: c.T_0 as number,
    tMult: c.T_mult as number | undefined,
    etaMin: c.eta_min as number | undefined,
  });
}

const sgd = (): SGD => new SGD([{ data: new Float32Array(1), grad: null }], { lr: 0.1 });

describe('LinearLR, OneCycleLR, CosineAnnealingWarmRestarts', () => {
  it.each(Object.keys(ref.schedules))('%s gives torch.optim.lr_scheduler’s lrs, and resumes from state() halfway', (name) => {
    const { config, lrs } = ref.schedules[name];
    let opt = sgd();
    let s = make(name, config, opt);
    const got = [opt.lr];
    for (let k = 1; k < lrs.length; k++) {
      if (k === Math.floor(lrs.length / 2)) {
        // A new optimizer and schedule, as after loadModel: the optimizer's lr comes back with the optimizer's state.
        const saved = JSON.parse(JSON.stringify(s.state()));
        const lr = opt.lr;
        opt = sgd();
        s = make(name, config, opt);
        s.loadState(saved as never);
        opt.lr = lr;
      }
      s.step();
      got.push(opt.lr);
    }
    expectClose(got, lrs, { rtol: 1e-12, atol: 1e-15 }, name);
  });

  it('OneCycleLR steps once per batch under fitBlocking, and refuses to step past totalSteps', async () => {
    const model = new Sequential([new Dense(2, 1)]);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const cycle = new OneCycleLR(opt, { maxLr: 0.05, epochs: 2, stepsPerEpoch: 3 });
    const x = tensor([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    await fitBlocking(model, x, tensor([[0], [1], [1], [0], [1]]), { optimizer: opt, epochs: 2, batchSize: 2, callbacks: [cycle] });
    expect(cycle.stepCount).toBe(6);
    const manual = new OneCycleLR(sgd(), { maxLr: 0.05, totalSteps: 6 });
    for (let k = 0; k < 6; k++) manual.step();
    expect(opt.lr).toBe(manual.optimizer.lr);
    expectError(() => cycle.step(), 'ERR_INVALID_ARG', /OneCycleLR: stepped 7 times, but totalSteps is 6/);
  });

  it('OneCycleLR under fit steps every batch too: the fit stays on the calling thread (worker: true says why)', async () => {
    const x = new Tensor(
      Float32Array.from({ length: 600 * 8 }, (_, i) => Math.sin(i)),
      [600, 8],
    );
    const y = Int32Array.from({ length: 600 }, (_, i) => i % 2);
    const lrs: number[] = [];
    const model = new Sequential([new Dense(8, 256, { activation: 'relu' }), new Dense(256, 2)]);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const cycle = new OneCycleLR(opt, { maxLr: 0.05, epochs: 2, stepsPerEpoch: 10 });
    // 600 rows × 2,000+ parameters per batch of 60: heavy enough that fit would choose a worker without the callback.
    await fit(model, x, y, { optimizer: opt, epochs: 2, batchSize: 60, callbacks: [cycle, { onBatchEnd: () => void lrs.push(opt.lr) }] });
    expect(cycle.stepCount).toBe(20);
    const manual = new OneCycleLR(sgd(), { maxLr: 0.05, totalSteps: 20 });
    const expected = Array.from({ length: 20 }, () => {
      manual.step();
      return manual.optimizer.lr;
    });
    expect(lrs).toEqual(expected);
    const again = new OneCycleLR(opt, { maxLr: 0.05, totalSteps: 20 });
    await expect(fit(model, x, y, { optimizer: opt, epochs: 1, batchSize: 60, callbacks: [again], worker: true })).rejects.toThrow(
      /OneCycleLR changes the learning rate after every batch/,
    );
  });

  it('refuses bad settings and states of other settings, naming them', () => {
    expectError(() => new LinearLR(sgd(), { startFactor: 0 }), 'ERR_INVALID_ARG', /LinearLR: startFactor must be in \(0, 1\]/);
    expectError(() => new LinearLR(sgd(), { totalIters: 0 }), 'ERR_INVALID_ARG', /LinearLR: totalIters/);
    expectError(() => new CosineAnnealingWarmRestarts(sgd(), { t0: 1.5 }), 'ERR_INVALID_ARG', /CosineAnnealingWarmRestarts: t0/);
    expectError(() => new OneCycleLR(sgd(), { maxLr: 1 }), 'ERR_INVALID_ARG', /OneCycleLR: give totalSteps/);
    expectError(
      () => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5, annealStrategy: 'cosine' as never }),
      'ERR_INVALID_ARG',
      /annealStrategy/,
    );
    const saved = new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 5 }).state();
    expectError(() => new OneCycleLR(sgd(), { maxLr: 1, totalSteps: 6 }).loadState(saved), 'ERR_INVALID_ARG', /saved with totalSteps 5/);
    const warm = new CosineAnnealingWarmRestarts(sgd(), { t0: 3 }).state();
    expectError(() => new LinearLR(sgd()).loadState(warm as never), 'ERR_INVALID_ARG', /LinearLR.loadState: the state is for/);
  });
});
