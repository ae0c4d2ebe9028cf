/** Early stopping: patience, minDelta, mode, and restoring the best epoch's weights, with a fake model. */
import { describe, expect, it } from 'vitest';
import { getBackend, NeuroblasError } from '../../lib/index.js';
import { EarlyStopping, SGD } from '../../lib/optim/index.js';
import type { EpochLogs, TrainContext } from '../../lib/train/callbacks.js';

/** A model whose weights are a record of the epoch they were written at, so a restore is easy to see. */
class FakeModel {
  weights = [new Float32Array(3), new Float32Array(2)];
  sets = 0;
  getWeights(): Float32Array[] {
    return this.weights;
  } // the live arrays: EarlyStopping must copy them
  setWeights(w: readonly Float32Array[]): void {
    this.sets++;
    w.forEach((a, i) => {
      this.weights[i].set(a);
    });
  }
  train(epoch: number): void {
    for (const w of this.weights) w.fill(epoch);
  }
}

interface Run {
  model: FakeModel;
  stoppedAfter: number;
  history: EpochLogs[];
}

/** A fit loop in miniature: train, log, call back, stop when asked. */
function fit(es: EarlyStopping, values: number[], key: keyof EpochLogs = 'valLoss'): Run {
  const model = new FakeModel();
  let stop = false;
  const optimizer = new SGD([{ data: new Float32Array(1), grad: null }], { lr: 0.1, backend: getBackend('js') });
  const ctx: TrainContext = {
    model,
    optimizer,
    stop: () => {
      stop = true;
    },
  };
  const history: EpochLogs[] = [];
  es.onTrainBegin(ctx);
  let epoch = 0;
  while (epoch < values.length && !stop) {
    epoch++;
    model.train(epoch);
    const logs: EpochLogs = { epoch, loss: 0, lr: 0.1, seconds: 0, [key]: values[epoch - 1] };
    history.push(logs);
    es.onEpochEnd(logs, ctx);
  }
  es.onTrainEnd(history, ctx);
  return { model, stoppedAfter: epoch, history };
}

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', () => {
    const es = new EarlyStopping({ patience: 2 });
    const run = fit(es, [1.0, 0.8, 0.9, 0.85, 0.7, 0.6]);
    expect(run.stoppedAfter).toBe(4);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(es.bestValue).toBe(0.8);
    expect(Array.from(run.model.weights[0])).toEqual([2, 2, 2]);
    expect(Array.from(run.model.weights[1])).toEqual([2, 2]);
  });

  it('does not restore when asked not to', () => {
    const es = new EarlyStopping({ patience: 1, restoreBestWeights: false });
    const run = fit(es, [1.0, 1.1, 0.5]);
    expect(run.stoppedAfter).toBe(2);
    expect(Array.from(run.model.weights[0])).toEqual([2, 2, 2]);
    expect(run.model.sets).toBe(0);
  });

  it('runs to the end when the metric keeps improving, and then has nothing to restore', () => {
    const es = new EarlyStopping({ patience: 1 });
    const run = fit(es, [3, 2, 1]);
    expect(run.stoppedAfter).toBe(3);
    expect(es.stoppedEpoch).toBeNull();
    expect(es.bestEpoch).toBe(3);
    expect(run.model.sets).toBe(0);
  });

  it('restores the best weights also when training ends without stopping', () => {
    const es = new EarlyStopping({ patience: 5 });
    const run = fit(es, [3, 1, 2, 2.5]);
    expect(es.stoppedEpoch).toBeNull();
    expect(Array.from(run.model.weights[0])).toEqual([2, 2, 2]);
  });

  it('an improvement must beat the best by more than minDelta', () => {
    const es = new EarlyStopping({ patience: 2, minDelta: 0.1 });
    const run = fit(es, [1.0, 0.95, 0.91, 0.5]);
    expect(run.stoppedAfter).toBe(3);
    expect(es.bestEpoch).toBe(1);
  });

  it("mode 'auto' maximizes accuracy; patience 0 stops at the first epoch that does not improve", () => {
    const es = new EarlyStopping({ monitor: 'valAccuracy', patience: 0 });
    expect(es.mode).toBe('max');
    const run = fit(es, [0.5, 0.6, 0.6, 0.9], 'valAccuracy');
    expect(run.stoppedAfter).toBe(3);
    expect(es.bestValue).toBe(0.6);
    expect(es.bestEpoch).toBe(2);
  });

  it('NaN never improves', () => {
    const es = new EarlyStopping({ patience: 1 });
    const run = fit(es, [1, NaN, 0.1]);
    expect(run.stoppedAfter).toBe(2);
    expect(es.bestValue).toBe(1);
  });

  it('can watch several fits: each starts over', () => {
    const es = new EarlyStopping({ patience: 1 });
    fit(es, [1, 2, 3]);
    expect(es.stoppedEpoch).toBe(2);
    const second = fit(es, [5, 4, 3]);
    expect(es.stoppedEpoch).toBeNull();
    expect(es.bestValue).toBe(3);
    expect(second.stoppedAfter).toBe(3);
  });

  it('says so when the monitored key is not logged (no validation data)', () => {
    const es = new EarlyStopping();
    const err = (() => {
      try {
        fit(es, [1], 'loss');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NeuroblasError);
    expect((err as NeuroblasError).code).toBe('ERR_INVALID_ARG');
    expect((err as Error).message).toMatch(/monitor 'valLoss' is not in the epoch logs.*pass validation data/);
  });

  it('checks its options', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return (e as NeuroblasError).code;
      }
    };
    expect(code(() => new EarlyStopping({ monitor: 'seconds' }))).toBe('ERR_INVALID_ARG'); // auto cannot tell
    expect(new EarlyStopping({ monitor: 'seconds', mode: 'min' }).mode).toBe('min');
    expect(code(() => new EarlyStopping({ patience: -1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new EarlyStopping({ minDelta: -0.1 }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new EarlyStopping({ mode: 'down' as 'min' }))).toBe('ERR_INVALID_ARG');
    expect(code(() => new EarlyStopping({ restore_best_weights: true } as never))).toBe('ERR_INVALID_ARG');
    const d = new EarlyStopping();
    expect([d.monitor, d.mode, d.patience, d.minDelta, d.restoreBestWeights]).toEqual(['valLoss', 'min', 5, 0, true]);
  });
});
