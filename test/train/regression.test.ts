/**
 * Regression as a task: MAE, RMSE and R² (per output and overall, scikit-learn's definitions) from fit and evaluate,
 * and TargetScaling, which lets the model learn in standardized units and predict in the targets' own: the same
 * run on targets ×1000 gives the same losses and predictions ×1000; saved and loaded with the model; in fit's worker.
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  EarlyStopping,
  loadModel,
  manualSeed,
  regressionMetrics,
  RegressionAccumulator,
  saveModel,
  Sequential,
  SGD,
  TargetScaling,
  Tensor,
  gradcheck,
  type EpochLogs,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend, rejection } from '../helpers/async.js';
import { scratchDir } from '../io/scratch-dir.js';

/** The metrics by their definitions, one output column at a time, in float64. */
function naive(pred: ArrayLike<number>, t: ArrayLike<number>, rows: number, k: number) {
  const mae: number[] = [];
  const rmse: number[] = [];
  const r2: number[] = [];
  for (let j = 0; j < k; j++) {
    let abs = 0,
      sq = 0,
      mean = 0;
    for (let i = 0; i < rows; i++) mean += t[i * k + j] / rows;
    let tot = 0;
    for (let i = 0; i < rows; i++) {
      const e = pred[i * k + j] - t[i * k + j];
      abs += Math.abs(e);
      sq += e * e;
      tot += (t[i * k + j] - mean) ** 2;
    }
    mae.push(abs / rows);
    rmse.push(Math.sqrt(sq / rows));
    r2.push(1 - sq / tot);
  }
  return { mae, rmse, r2 };
}

/** y = 3·x0 − 2·x1 + 0.5·x2 + 40 + noise, and a second output 1000·x0 + 5000: targets far from unit scale. */
function linearData(rows: number, seed: number, outputs = 1) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const x = new Float32Array(rows * 3);
  const y = new Float32Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    const [a, b, c] = [rand() * 4, rand() * 4, rand() * 4];
    x.set([a, b, c], i * 3);
    y[i * outputs] = 3 * a - 2 * b + 0.5 * c + 40 + rand() * 0.1;
    if (outputs === 2) y[i * outputs + 1] = 1000 * a + 5000 + rand() * 10;
  }
  return { x: new Tensor(x, [rows, 3]), y: new Tensor(y, [rows, outputs]), values: y };
}

describe('regression metrics', () => {
  it('match their definitions per output and overall, and batch by batch equals all at once', () => {
    const rows = 37;
    const k = 3;
    const t = Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i) * (1 + (i % k)) * 10);
    const p = t.map((v, i) => v + Math.cos(i * 1.7) * 2);
    const m = regressionMetrics(p, t, rows, k);
    const want = naive(p, t, rows, k);
    for (let j = 0; j < k; j++) {
      expect(m.perOutput.mae[j]).toBeCloseTo(want.mae[j], 10);
      expect(m.perOutput.rmse[j]).toBeCloseTo(want.rmse[j], 10);
      expect(m.perOutput.r2[j]).toBeCloseTo(want.r2[j], 10);
    }
    expect(m.mae).toBeCloseTo(want.mae.reduce((a, b) => a + b) / k, 10);
    expect(m.rmse).toBeCloseTo(Math.sqrt(want.rmse.reduce((a, b) => a + b * b, 0) / k), 10);
    expect(m.r2).toBeCloseTo(want.r2.reduce((a, b) => a + b) / k, 10);
    const acc = new RegressionAccumulator(k);
    for (const [a, b] of [
      [0, 5],
      [5, 6],
      [6, 30],
      [30, 37],
    ])
      acc.add(p.subarray(a * k, b * k), t.subarray(a * k, b * k), b - a);
    const batched = acc.result();
    for (let j = 0; j < k; j++) expect(batched.perOutput.r2[j]).toBeCloseTo(m.perOutput.r2[j], 10);
    expect(batched.rmse).toBeCloseTo(m.rmse, 10);
  });

  it('a perfect fit has R² 1; predicting the mean has R² 0; a constant target is 1 when exact, else 0', () => {
    const t = Float32Array.from([1, 2, 3, 4]);
    expect(regressionMetrics(t, t, 4).r2).toBe(1);
    expect(regressionMetrics(new Float32Array(4).fill(2.5), t, 4).r2).toBeCloseTo(0, 12);
    const c = new Float32Array(4).fill(7);
    expect(regressionMetrics(c, c, 4).r2).toBe(1);
    expect(regressionMetrics(t, c, 4).r2).toBe(0);
  });

  it('refuses mismatched lengths', () => {
    expect(() => regressionMetrics(new Float32Array(3), new Float32Array(4), 4)).toThrow(/need 4 values/);
  });
});

describe('TargetScaling', () => {
  it('adapt fits the mean and the population standard deviation per output; a constant output keeps 1', () => {
    const s = new TargetScaling(2).adapt(Float32Array.from([1, 5, 3, 5, 5, 5]));
    expect(Array.from(s.mean.data)).toEqual([3, 5]);
    expect(s.std.data[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(s.std.data[1]).toBe(1);
    expect(() => new TargetScaling(2).adapt(Float32Array.from([1, 2, 3]))).toThrow(/2 target values per row, got 3/);
    expect(() => new TargetScaling(1).adapt([1, NaN])).toThrow(/finite/);
  });

  it("passes gradcheck, and maps standardized outputs to the targets' units", () => {
    const s = new TargetScaling(3).adapt(Float32Array.from([1, 10, 100, 3, 30, 500, 2, 20, 300]));
    const x = new Tensor(Float32Array.from([0.5, -1, 2, 0, 1, -0.25]), [2, 3], { requiresGrad: true });
    expect(gradcheck((a) => s.forward(a), [x]).ok).toBe(true);
    const y = s.forward(x).data;
    for (let i = 0; i < 6; i++) expect(y[i]).toBeCloseTo(x.data[i] * s.std.data[i % 3] + s.mean.data[i % 3], 4);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('regression on %s', (_name, backend) => {
  const file = scratchDir('regression');

  async function train(scale: number, worker: boolean) {
    const { x, y, values } = linearData(120, 3, 2);
    const scaled = new Tensor(
      values.map((v) => v * scale),
      y.shape,
    );
    const val = linearData(40, 9, 2);
    const valScaled = new Tensor(
      val.values.map((v) => v * scale),
      val.y.shape,
    );
    manualSeed(4);
    const model = new Sequential([new Dense(3, 8, { activation: 'tanh' }), new Dense(8, 2), new TargetScaling(2).adapt(scaled)]);
    const history = await model.fit(x, scaled, {
      optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
      epochs: 30,
      batchSize: 16,
      validationData: [val.x, valScaled],
      worker,
    });
    return { model, history, x, val, valScaled };
  }

  it("fit logs MAE, RMSE and R² in the targets' units, on training and validation data, and learns", () =>
    onBackend(backend, async () => {
      const { history } = await train(1, false);
      const last = history[history.length - 1];
      for (const key of ['mae', 'rmse', 'r2', 'valMae', 'valRmse', 'valR2'] as const) expect(Number.isFinite(last[key])).toBe(true);
      expect(last.accuracy).toBeUndefined();
      expect(last.valR2!).toBeGreaterThan(0.99);
      expect(last.valMae!).toBeLessThan(history[0].valMae!);
    }));

  it('targets ×1000 train identically: the same standardized losses, metrics ×1000, predictions ×1000', () =>
    onBackend(backend, async () => {
      const a = await train(1, false);
      const b = await train(1000, false);
      for (let e = 0; e < a.history.length; e++) {
        expect(b.history[e].loss).toBeCloseTo(a.history[e].loss, 4);
        expect(b.history[e].valMae! / 1000).toBeCloseTo(a.history[e].valMae!, 2);
        expect(b.history[e].valR2!).toBeCloseTo(a.history[e].valR2!, 4);
      }
      const pa = a.model.predict(a.val.x).data;
      const pb = b.model.predict(b.val.x).data;
      for (let i = 0; i < pa.length; i++) expect(pb[i] / 1000).toBeCloseTo(pa[i], 1);
      // Without TargetScaling the same run on the ×1000 targets, in grams rather than kilograms, learns nothing useful.
      manualSeed(4);
      const plain = new Sequential([new Dense(3, 8, { activation: 'tanh' }), new Dense(8, 2)]);
      const unscaled = await plain.fit(
        a.x,
        new Tensor(
          linearData(120, 3, 2).values.map((v) => v * 1000),
          [120, 2],
        ),
        {
          optimizer: new SGD(plain.parameters(), { lr: 0.05, momentum: 0.9 }),
          epochs: 30,
          batchSize: 16,
          validationData: [b.val.x, b.valScaled],
          worker: false,
        },
      );
      expect(unscaled[unscaled.length - 1].valR2!).toBeLessThan(0.5);
    }));

  it('evaluate reports the regression in the units; predictions survive save and load', () =>
    onBackend(backend, async () => {
      const { model, val, valScaled } = await train(1000, false);
      const r = model.evaluate(val.x, valScaled);
      const pred = model.predict(val.x).data;
      const want = naive(pred, valScaled.data, 40, 2);
      expect(r.regression!.perOutput.mae[0]).toBeCloseTo(want.mae[0], 0);
      expect(r.regression!.perOutput.r2[1]).toBeCloseTo(want.r2[1], 4);
      expect(r.accuracy).toBeUndefined();
      saveModel(file('scaled.safetensors'), model);
      const back = loadModel(file('scaled.safetensors')).model;
      expect(Array.from(back.predict(val.x).data)).toEqual(Array.from(pred));
    }));

  it('trains the same in the worker thread as on the calling thread', () =>
    onBackend(backend, async () => {
      const here = await train(1000, false);
      const there = await train(1000, true);
      expect(there.history.map((h) => h.loss)).toEqual(here.history.map((h) => h.loss));
      expect(Array.from(there.model.predict(there.val.x).data)).toEqual(Array.from(here.model.predict(here.val.x).data));
    }));

  it('EarlyStopping watches valMae (lower is better) and valR2 (higher is better) without being told the mode', () =>
    onBackend(backend, async () => {
      expect(new EarlyStopping({ monitor: 'valMae' }).mode).toBe('min');
      expect(new EarlyStopping({ monitor: 'valRmse' }).mode).toBe('min');
      expect(new EarlyStopping({ monitor: 'valR2' }).mode).toBe('max');
      const { x, y } = linearData(64, 5);
      manualSeed(1);
      const model = new Sequential([new Dense(3, 1), new TargetScaling(1).adapt(y)]);
      const history: EpochLogs[] = await model.fit(x, y, {
        optimizer: new Adam(model.parameters(), { lr: 0.05 }),
        epochs: 5,
        validationSplit: 0.25,
        metrics: ['mae', 'r2'],
        callbacks: [new EarlyStopping({ monitor: 'valMae', patience: 100 })],
        worker: false,
      });
      expect(history.length).toBe(5);
    }));

  it('refuses regression metrics on class labels', () =>
    onBackend(backend, async () => {
      const model = new Sequential([new Dense(3, 2)]);
      const err = await rejection(
        model.fit(linearData(8, 1).x, [0, 1, 0, 1, 0, 1, 0, 1], {
          optimizer: new SGD(model.parameters(), { lr: 0.1 }),
          metrics: ['mae'],
          worker: false,
        }),
      );
      expect(err.message).toMatch(/metric 'mae' is for regression/);
    }));
});
