/**
 * state() / loadState() of the schedules and of EarlyStopping: the state is plain data (JSON, plus Float32Arrays
 * for EarlyStopping's weights), a callback made afresh and given it continues exactly as the original does, and a
 * state of the wrong type or shape is refused with the library's error naming what is wrong, before anything
 * changes. Also the rules at a fit's first epoch: a fit that continues a run (first epoch > 1) must find a
 * schedule where that run left it, and EarlyStopping continues its watch or starts over.
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { CosineAnnealingLR, EarlyStopping, ExponentialLR, ReduceLROnPlateau, SGD, StepLR } from '../../lib/optim/index.js';
import type { EpochLogs, TrainContext } from '../../lib/train/callbacks.js';
import { expectError } from '../helpers/errors.js';

const backend = getBackend('js');
const sgd = (lr: number): SGD => new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr, backend });

/** A model whose weights record the epoch they were written at (as in optim-early-stopping.test.ts). */
class FakeModel {
  weights = [new Float32Array(3), new Float32Array(2)];
  getWeights(): Float32Array[] {
    return this.weights;
  } // the live arrays: EarlyStopping must copy them
  setWeights(w: readonly Float32Array[]): void {
    w.forEach((a, i) => {
      this.weights[i].set(a);
    });
  }
  train(epoch: number): void {
    for (const w of this.weights) w.fill(epoch);
  }
}

function context(optimizer: SGD, model = new FakeModel(), onStop = () => {}): TrainContext {
  return { model, optimizer, stop: onStop };
}

const logs = (epoch: number, valLoss: number): EpochLogs => ({ epoch, loss: 1, valLoss, lr: 0, seconds: 0 });

/** What JSON.stringify keeps: the state must lose nothing to it. */
const throughJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('epoch schedules: state() and loadState()', () => {
  const cases = [
    ['StepLR', (o: SGD) => new StepLR(o, { stepSize: 2, gamma: 0.5 })],
    ['ExponentialLR', (o: SGD) => new ExponentialLR(o, { gamma: 0.8 })],
    ['CosineAnnealingLR', (o: SGD) => new CosineAnnealingLR(o, { tMax: 4, etaMin: 0.01 })],
  ] as const;

  it.each(cases)('%s: plain JSON; a new one over the resumed optimizer continues the same lrs', (type, make) => {
    const opt = sgd(0.1);
    const s = make(opt);
    for (let e = 0; e < 3; e++) s.step();
    const state = s.state();
    expect(state.type).toBe(type);
    expect(state.epoch).toBe(3);
    expect(state.baseLr).toBe(0.1);
    expect(throughJson(state)).toEqual(state);

    const opt2 = sgd(opt.lr); // as an optimizer restored from a checkpoint: the lr it had reached
    const again = make(opt2);
    again.loadState(throughJson(state));
    expect(again.state()).toEqual(state);
    expect(again.baseLr).toBe(0.1);
    const lrs = (sched: { step(): void }, o: SGD) =>
      Array.from({ length: 6 }, () => {
        sched.step();
        return o.lr;
      });
    expect(lrs(again, opt2)).toEqual(lrs(s, opt));
  });

  it('refuses a state of the wrong type or shape, naming the problem, and stays as it was', () => {
    const s = new CosineAnnealingLR(sgd(0.1), { tMax: 4, etaMin: 0.01 });
    s.step();
    const good = s.state();
    const refused = (state: unknown, message: RegExp) => {
      expectError(() => s.loadState(state as never), 'ERR_INVALID_ARG', message);
      expect(s.state()).toEqual(good);
    };
    refused(null, /^CosineAnnealingLR\.loadState: state must be an object \(what state\(\) returns\), got null$/);
    refused([], /state must be an object .*got an array of 0/);
    refused({ ...good, type: 'StepLR' }, /^CosineAnnealingLR\.loadState: the state is for "StepLR", not CosineAnnealingLR$/);
    refused(new StepLR(sgd(0.1), { stepSize: 2 }).state(), /the state is for "StepLR"/);
    refused(
      { ...good, config: { tMax: 5, etaMin: 0.01 } },
      /the state was saved with tMax 5, this one has tMax 4; construct it with the saved settings/,
    );
    refused({ ...good, config: { tMax: 4 } }, /config\.etaMin is missing/);
    refused({ ...good, config: { tMax: 4, etaMin: 0.01, gamma: 1 } }, /config has an unknown setting "gamma" \(known: tMax, etaMin\)/);
    refused({ ...good, config: 4 }, /config must be an object of the settings, got 4/);
    refused({ ...good, epoch: -1 }, /epoch must be a non-negative integer, got -1/);
    refused({ ...good, epoch: 1.5 }, /epoch must be a non-negative integer, got 1\.5/);
    refused({ ...good, epoch: '2' }, /epoch must be a non-negative integer, got "2"/);
    refused({ ...good, baseLr: -0.1 }, /baseLr must be >= 0, got -0\.1/);
    refused({ ...good, baseLr: null }, /baseLr must be a finite number, got null/);
  });
});

describe('ReduceLROnPlateau: state() and loadState()', () => {
  const make = (o: SGD) => new ReduceLROnPlateau(o, { patience: 2, cooldown: 1, factor: 0.5, monitor: 'valLoss' });
  const metrics = [1, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

  it('before the first epoch its best is null (JSON has no Infinity); a new one given the state continues the same lrs', () => {
    const fresh = make(sgd(1)).state();
    expect(fresh.best).toBeNull();
    expect(fresh.config).toEqual({
      mode: 'min',
      factor: 0.5,
      patience: 2,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 1,
      minLr: 0,
      eps: 1e-8,
      monitor: 'valLoss',
    });
    const restoredFresh = make(sgd(1));
    restoredFresh.loadState(throughJson(fresh));
    expect(restoredFresh.best).toBe(Infinity);
    expect(new ReduceLROnPlateau(sgd(1)).state().config.monitor).toBeNull();

    for (const k of [2, 4, 5]) {
      // in the middle of a patience count, right after a cut (cooldown), and later
      const opt = sgd(1);
      const s = make(opt);
      metrics.slice(0, k).forEach((m) => {
        s.step(m);
      });
      const state = s.state();
      expect(throughJson(state)).toEqual(state);
      const opt2 = sgd(opt.lr);
      const again = make(opt2);
      again.loadState(throughJson(state));
      expect(again.state()).toEqual(state);
      const rest = (sched: ReduceLROnPlateau, o: SGD) =>
        metrics.slice(k).map((m) => {
          sched.step(m);
          return o.lr;
        });
      expect(rest(again, opt2), `after ${k} epochs`).toEqual(rest(s, opt));
    }
  });

  it('refuses a state of the wrong type or shape, naming the problem, and stays as it was', () => {
    const s = make(sgd(1));
    [1, 0.9, 0.95].forEach((m) => {
      s.step(m);
    });
    const good = s.state();
    const refused = (state: unknown, message: RegExp) => {
      expectError(() => s.loadState(state as never), 'ERR_INVALID_ARG', message);
      expect(s.state()).toEqual(good);
    };
    refused(undefined, /^ReduceLROnPlateau\.loadState: state must be an object/);
    refused({ ...good, type: 'EarlyStopping' }, /the state is for "EarlyStopping", not ReduceLROnPlateau/);
    refused({ ...good, config: { ...good.config, mode: 'max' } }, /the state was saved with mode "max", this one has mode "min"/);
    refused({ ...good, config: { ...good.config, monitor: null } }, /saved with monitor null, this one has monitor "valLoss"/);
    refused({ ...good, best: 'low' }, /best must be a number or null, got "low"/);
    refused({ ...good, best: NaN }, /best must be a number or null, got NaN/);
    refused({ ...good, badEpochs: 3 }, /badEpochs must be at most patience \(2\), got 3/);
    refused({ ...good, cooldownLeft: 2 }, /cooldownLeft must be at most cooldown \(1\), got 2/);
    refused({ ...good, cooldownLeft: -1 }, /cooldownLeft must be a non-negative integer, got -1/);
    refused({ ...good, epoch: undefined }, /epoch must be a non-negative integer, got undefined/);
  });
});

describe('EarlyStopping: state() and loadState()', () => {
  /** Epochs `from`..`to` of a run with these valLosses (1-based), as fit calls the hooks. Returns whether it stopped. */
  function run(es: EarlyStopping, model: FakeModel, values: number[], from: number, to: number): number | null {
    let stop = false;
    const ctx = context(sgd(0.1), model, () => {
      stop = true;
    });
    es.onTrainBegin(ctx);
    let epoch = from;
    for (; epoch <= to && !stop; epoch++) {
      es.onEpochBegin(epoch, ctx);
      model.train(epoch);
      es.onEpochEnd(logs(epoch, values[epoch - 1]), ctx);
    }
    es.onTrainEnd([], ctx);
    return stop ? epoch - 1 : null;
  }
  const VALUES = [1.0, 0.8, 0.9, 0.85, 0.95, 0.99, 0.7];

  it('plain data with Float32Array weights; a new one given the state ends the run as the uninterrupted one does', () => {
    const whole = new EarlyStopping({ patience: 3 });
    const wholeModel = new FakeModel();
    expect(run(whole, wholeModel, VALUES, 1, 7)).toBe(5);

    const first = new EarlyStopping({ patience: 3 });
    const model = new FakeModel();
    expect(run(first, model, VALUES, 1, 3)).toBeNull();
    expect(Array.from(model.weights[0])).toEqual([2, 2, 2]); // the end of the fit put the best epoch's weights back
    const state = first.state();
    expect(state).toMatchObject({ type: 'EarlyStopping', bestValue: 0.8, bestEpoch: 2, stoppedEpoch: null, wait: 1, lastEpoch: 3 });
    expect(state.config).toEqual({ monitor: 'valLoss', mode: 'min', patience: 3, minDelta: 0, restoreBestWeights: true });
    expect(state.bestWeights!.map((w) => Array.from(w))).toEqual([
      [2, 2, 2],
      [2, 2],
    ]);
    expect(state.lastWeights!.map((w) => Array.from(w))).toEqual([
      [3, 3, 3],
      [3, 3],
    ]); // what training had reached

    const again = new EarlyStopping({ patience: 3 });
    again.loadState(state);
    state.bestWeights![0].fill(99); // the state is copied in, not kept
    expect(again.state().bestWeights![0]).toEqual(new Float32Array([2, 2, 2]));
    const resumedModel = new FakeModel(); // holds nothing yet: the first resumed epoch starts from the last weights
    let startedFrom: number[] = [];
    const spy = {
      ...resumedModel,
      setWeights: (w: readonly Float32Array[]) => {
        startedFrom = Array.from(w[0]);
        resumedModel.setWeights(w);
      },
    };
    const ctx = context(sgd(0.1), spy as unknown as FakeModel);
    again.onTrainBegin(ctx);
    again.onEpochBegin(4, ctx);
    expect(startedFrom).toEqual([3, 3, 3]);
    expect(run(again, resumedModel, VALUES, 4, 7)).toBe(5);
    expect(again.state()).toEqual(whole.state());
    expect(resumedModel.weights).toEqual(wholeModel.weights);
  });

  it('a fit from epoch 1 starts over; one at the wrong epoch is refused; a new one at a later epoch starts watching', () => {
    const es = new EarlyStopping({ patience: 3 });
    run(es, new FakeModel(), VALUES, 1, 3);
    const m = new FakeModel();
    run(es, m, [5, 4], 1, 2);
    expect(es.state()).toMatchObject({ bestEpoch: 2, bestValue: 4, lastEpoch: 2, wait: 0, lastWeights: null });

    const ctx = context(sgd(0.1));
    es.onTrainBegin(ctx);
    expectError(
      () => es.onEpochBegin(7, ctx),
      'ERR_INVALID_ARG',
      new RegExp(
        String.raw`^EarlyStopping: this fit starts at epoch 7 \(initialEpoch 6\), but the run it watched ended at epoch 2; ` +
          "restore the state saved with that fit's checkpoint",
      ),
    );

    const late = new EarlyStopping({ patience: 3 });
    run(late, new FakeModel(), VALUES, 4, 5);
    expect(late.state()).toMatchObject({ bestEpoch: 4, lastEpoch: 5, wait: 1 });
  });

  it('a run that was stopped can be continued: it stops again at the next epoch without improvement', () => {
    const es = new EarlyStopping({ patience: 1, restoreBestWeights: false });
    expect(run(es, new FakeModel(), [1, 2, 3, 4], 1, 4)).toBe(2);
    const again = new EarlyStopping({ patience: 1, restoreBestWeights: false });
    again.loadState(throughJson(es.state()));
    expect(run(again, new FakeModel(), [1, 2, 3, 4], 3, 4)).toBe(3);
  });

  it('refuses a state of the wrong type or shape, naming the problem, and stays as it was', () => {
    const es = new EarlyStopping({ patience: 3 });
    run(es, new FakeModel(), VALUES, 1, 3);
    const good = es.state();
    const refused = (state: unknown, message: RegExp) => {
      expectError(() => es.loadState(state as never), 'ERR_INVALID_ARG', message);
      expect(es.state()).toEqual(good);
    };
    refused('state', /^EarlyStopping\.loadState: state must be an object \(what state\(\) returns\), got "state"$/);
    refused({ ...good, type: 'StepLR' }, /the state is for "StepLR", not EarlyStopping/);
    refused({ ...good, config: { ...good.config, patience: 4 } }, /saved with patience 4, this one has patience 3/);
    refused(
      { ...good, config: { ...good.config, restoreBestWeights: false } },
      /saved with restoreBestWeights false, this one has restoreBestWeights true/,
    );
    refused({ ...good, wait: -1 }, /wait must be a non-negative integer, got -1/);
    refused({ ...good, bestEpoch: 0 }, /bestEpoch must be an epoch number \(an integer >= 1\) or null, got 0/);
    refused({ ...good, bestEpoch: 4 }, /bestEpoch 4 is after lastEpoch 3/);
    refused({ ...good, bestValue: null }, /bestValue and bestEpoch must both be null \(no epoch yet\) or both be set/);
    refused(
      { ...good, bestWeights: [new Float64Array(3), new Float32Array(2)] },
      /bestWeights\[0\] must be a Float32Array, got Float64Array/,
    );
    refused({ ...good, lastWeights: new Float32Array(3) }, /lastWeights must be an array of Float32Arrays or null, got Float32Array/);
    refused({ ...good, bestValue: null, bestEpoch: null }, /holds bestWeights but no bestEpoch/);
    const noRestore = new EarlyStopping({ patience: 3, restoreBestWeights: false });
    expectError(
      () => noRestore.loadState({ ...good, config: { ...good.config, restoreBestWeights: false } }),
      'ERR_INVALID_ARG',
      /the state holds weights, but restoreBestWeights is false/,
    );
  });
});

describe("schedules at a fit's first epoch", () => {
  it('a fit that continues a run (first epoch > 1) must find the schedule at the epoch before it', () => {
    const opt = sgd(0.1);
    const ctx = context(opt);
    for (const s of [new StepLR(opt, { stepSize: 2 }), new ReduceLROnPlateau(opt)]) {
      s.onTrainBegin(ctx);
      expectError(
        () => s.onEpochBegin(4, ctx),
        'ERR_INVALID_ARG',
        new RegExp(
          `^${s.constructor.name}: this fit starts at epoch 4 \\(initialEpoch 3\\), ` +
            `but the schedule has counted 0 epochs; restore the state it was saved with`,
        ),
      );
      s.loadState({ ...s.state(), epoch: 3 } as never);
      s.onTrainBegin(ctx);
      s.onEpochBegin(4, ctx); // now it continues the run
    }
  });

  it('a fit from epoch 1 may reuse a schedule as it is (several fits stepping one schedule), and only the first epoch is checked', () => {
    const opt = sgd(1);
    const s = new ExponentialLR(opt, { gamma: 0.5 });
    const ctx = context(opt);
    for (let fitCall = 0; fitCall < 2; fitCall++) {
      s.onTrainBegin(ctx);
      for (let e = 1; e <= 3; e++) {
        s.onEpochBegin(e, ctx);
        s.onEpochEnd(logs(e, 1), ctx);
      }
    }
    expect(s.epoch).toBe(6);
    expect(opt.lr).toBe(1 / 64);
  });
});
