/**
 * fit({ metrics }): precision, recall, F1 (macro and weighted), top-k accuracy and ROC AUC each epoch on the training
 * batches and on the validation data, in EpochLogs and the history, the same through fitSync, fit on the caller's
 * thread and fit in a worker, on both backends; EarlyStopping and ReduceLROnPlateau watch them; wrong names and
 * metrics that do not fit the task are refused before any work.
 */
import { describe, expect, it } from 'vitest';
import {
  Dense,
  EarlyStopping,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  Tensor,
  argmax,
  classificationReport,
  confusionMatrix,
  fit,
  fitSync,
  manualSeed,
  predict,
  rocAuc,
  topKAccuracy,
  type EpochLogs,
  type FitOptions,
  type Inputs,
  type Targets,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { onBackend, rejection } from '../helpers/async.js';

const { x, y } = gaussianBlobs(97, 4, 3, 11, 1.2);
const val = gaussianBlobs(41, 4, 3, 12, 1.2);

function makeModel(outputs = 3): Sequential {
  manualSeed(1);
  return new Sequential([new Dense(4, 8, { activation: 'relu' }), new Dense(8, outputs)]);
}

type Train = (model: Sequential, x: Inputs, y: Targets, o: FitOptions) => Promise<EpochLogs[]>;
const PATHS: [string, Train][] = [
  ['fitSync', fitSync],
  ["fit on the caller's thread", (m, a, b, o) => fit(m, a, b, { ...o, worker: false })],
  ['fit in a worker', (m, a, b, o) => fit(m, a, b, { ...o, worker: true })],
];

/** The metrics of a model's predictions on (x, labels), computed with the public functions. */
function expected(model: Sequential, xs: Tensor, labels: Int32Array) {
  const out = predict(model, xs);
  const rows = xs.shape[0];
  const r = classificationReport(confusionMatrix(argmax(out.data, rows, 3), labels, 3));
  return {
    f1: r.macro.f1,
    precision: r.macro.precision,
    recall: r.macro.recall,
    weightedF1: r.weighted.f1,
    top2Accuracy: topKAccuracy(out.data, labels, rows, 3, 2),
  };
}

const METRICS = ['f1', 'precision', 'recall', 'weightedF1', 'topK:2'];

describe.each(backends.map((b) => [b.name, b] as const))('fit with metrics on %s', (_name, backend) => {
  const sgd = (model: Sequential, lr = 0.1) => new SGD(model.parameters(), { lr, backend });

  describe.each(PATHS)('%s', (_path, train) => {
    it('logs each metric on the training batches and the validation data, as computed from predict', async () => {
      await onBackend(backend, async () => {
        // lr 0: the weights do not move, so the training batches' outputs are predict's (in a shuffled order).
        const still = makeModel();
        const h0 = await train(still, x, y, {
          optimizer: sgd(still, 0),
          epochs: 1,
          batchSize: 10,
          metrics: METRICS,
          validationData: [val.x, val.y],
        });
        const onTrain = expected(still, x, y);
        const onVal = expected(still, val.x, val.y);
        for (const [k, v] of Object.entries(onTrain)) expect(h0[0][k as keyof EpochLogs], k).toBeCloseTo(v, 6);
        expect(h0[0].valF1).toBeCloseTo(onVal.f1, 6);
        expect(h0[0].valPrecision).toBeCloseTo(onVal.precision, 6);
        expect(h0[0].valRecall).toBeCloseTo(onVal.recall, 6);
        expect(h0[0].valWeightedF1).toBeCloseTo(onVal.weightedF1, 6);
        expect(h0[0].valTop2Accuracy).toBeCloseTo(onVal.top2Accuracy, 6);

        // Training: the validation metrics of the last epoch are those of the final model, and they improve.
        const model = makeModel();
        const h = await train(model, x, y, {
          optimizer: sgd(model),
          epochs: 6,
          batchSize: 16,
          metrics: METRICS,
          validationData: [val.x, val.y],
        });
        expect(h[5].valF1).toBeCloseTo(expected(model, val.x, val.y).f1, 6);
        expect(h[5].valF1!).toBeGreaterThan(h[0].valF1!);
        expect(h[5].f1!).toBeGreaterThan(0.6);
        expect(Object.keys(h[5]).sort()).toEqual(
          [
            ...['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'lr', 'seconds'],
            ...['f1', 'precision', 'recall', 'weightedF1', 'top2Accuracy'],
            ...['valF1', 'valPrecision', 'valRecall', 'valWeightedF1', 'valTop2Accuracy'],
          ].sort(),
        );
      });
    });

    it('gives the same history on every path (the worker carries the new fields)', async () => {
      await onBackend(backend, async () => {
        const runs: EpochLogs[][] = [];
        for (const [, t] of [[_path, train], PATHS[0]] as const) {
          const model = makeModel();
          const h = await t(model, x, y, {
            optimizer: sgd(model),
            epochs: 2,
            batchSize: 16,
            metrics: METRICS,
            validationSplit: 0.25,
          });
          runs.push(h.map(({ seconds: _s, ...rest }) => rest as EpochLogs));
        }
        expect(runs[0]).toEqual(runs[1]);
        expect(runs[0][1].valTop2Accuracy).toBeGreaterThan(0);
      });
    });

    it('computes ROC AUC for two classes and for one output with 0/1 targets (bceWithLogits)', async () => {
      await onBackend(backend, async () => {
        const labels = Int32Array.from(y, (c) => (c === 0 ? 1 : 0));
        const vLabels = Int32Array.from(val.y, (c) => (c === 0 ? 1 : 0));
        const two = makeModel(2);
        const h2 = await train(two, x, labels, {
          optimizer: sgd(two),
          epochs: 3,
          batchSize: 16,
          metrics: ['auc'],
          validationData: [val.x, vLabels],
        });
        expect(h2[2].valAuc).toBeCloseTo(rocAuc(predict(two, val.x).data, vLabels, 41, 2), 6);
        expect(h2[2].auc!).toBeGreaterThan(0.8);

        const one = makeModel(1);
        const targets = new Tensor(Float32Array.from(labels), [97, 1]);
        const vTargets = new Tensor(Float32Array.from(vLabels), [41, 1]);
        const h1 = await train(one, x, targets, {
          optimizer: sgd(one),
          epochs: 3,
          batchSize: 16,
          loss: 'bceWithLogits',
          metrics: ['auc'],
          validationData: [val.x, vTargets],
        });
        expect(h1[2].valAuc).toBeCloseTo(rocAuc(predict(one, val.x).data, vLabels, 41, 1), 6);
        expect(h1[2].valAuc!).toBeGreaterThan(0.8);
      });
    });

    it('lets EarlyStopping (mode auto: max) and ReduceLROnPlateau watch a metric', async () => {
      await onBackend(backend, async () => {
        const model = makeModel();
        const opt = sgd(model);
        const es = new EarlyStopping({ monitor: 'valF1', patience: 1 });
        expect(es.mode).toBe('max');
        const plateau = new ReduceLROnPlateau(opt, { monitor: 'valTop2Accuracy', mode: 'max', patience: 0 });
        const h = await train(model, x, y, {
          optimizer: opt,
          epochs: 30,
          batchSize: 16,
          metrics: ['f1', 'topK:2'],
          validationData: [val.x, val.y],
          callbacks: [plateau, es],
        });
        expect(h.length).toBeLessThan(30);
        expect(h.every((l) => typeof l.valF1 === 'number')).toBe(true);
        expect(plateau.best).toBe(Math.max(...h.map((l) => l.valTop2Accuracy!)));
      });
    });
  });
});

describe('fit metrics: refused before any work', () => {
  const o = (model: Sequential, extra: Partial<FitOptions>): FitOptions => ({
    optimizer: new SGD(model.parameters(), { lr: 0.1 }),
    epochs: 1,
    ...extra,
  });

  it.each(PATHS)('wrong names, with the closest one (%s)', async (_path, train) => {
    const model = makeModel();
    const before = model.getWeights().map((w) => w.slice());
    expect((await rejection(train(model, x, y, o(model, { metrics: ['precison'] })))).message).toBe(
      'fit: unknown metric "precison" (known: accuracy, precision, recall, f1, weightedPrecision, weightedRecall, weightedF1, ' +
        "auc, mae, rmse, r2, topK:<k>); did you mean 'precision'?",
    );
    expect((await rejection(train(model, x, y, o(model, { metrics: ['top5'] })))).message).toMatch(/did you mean 'topK:5'\?$/);
    expect((await rejection(train(model, x, y, o(model, { metrics: ['topK:0'] })))).message).toMatch(/needs k >= 1/);
    expect((await rejection(train(model, x, y, o(model, { metrics: 'f1' as never })))).message).toMatch(
      /metrics must be an array of names/,
    );
    expect((await rejection(train(model, x, y, o(model, { metrics: [1] as never })))).code).toBe('ERR_INVALID_ARG');
    expect(model.getWeights()).toEqual(before);
  });

  it('metrics that do not fit the task', async () => {
    const m = makeModel();
    expect((await rejection(fit(m, x, y, o(m, { metrics: ['auc'] })))).message).toBe(
      "fit: metric 'auc' is for binary problems (two classes, or one output with 0/1 targets); this model outputs 3 per row",
    );
    expect((await rejection(fit(m, x, y, o(m, { metrics: ['topK:3'] })))).message).toBe(
      "fit: metric 'topK:3' counts every row with 3 classes; use k < 3",
    );
    const reg = makeModel(1);
    const t = new Tensor(new Float32Array(97).fill(0.5), [97, 1]);
    expect((await rejection(fit(reg, x, t, o(reg, { metrics: ['f1'] })))).message).toBe(
      "fit: metric 'f1' needs class labels (one output per class), not float targets",
    );
    expect((await rejection(fit(reg, x, t, o(reg, { metrics: ['auc'], loss: 'bceWithLogits' })))).message).toBe(
      "fit: metric 'auc' needs targets 0 or 1, got 0.5 at row 0",
    );
  });

  it('a monitor that is not logged names the metric to ask for; ReduceLROnPlateau needs mode max for one', async () => {
    const m = makeModel();
    const es = new EarlyStopping({ monitor: 'valF1' });
    const err = await rejection(fit(m, x, y, o(m, { validationData: [val.x, val.y], callbacks: es })));
    expect(err.message).toMatch(
      /monitor 'valF1' is not in the epoch logs \(they have .*\); give fit metrics: \['f1'\] and validation data$/,
    );
    const typo = new EarlyStopping({ monitor: 'valf1' as keyof EpochLogs, mode: 'max' });
    const err2 = await rejection(fit(m, x, y, o(m, { metrics: ['f1'], validationData: [val.x, val.y], callbacks: typo })));
    expect(err2.message).toMatch(/did you mean 'valF1'\?$/);
    expect(() => new ReduceLROnPlateau(new SGD(m.parameters(), { lr: 0.1 }), { monitor: 'valAuc' })).toThrow(
      "ReduceLROnPlateau: monitor 'valAuc' improves upward; set mode: 'max'",
    );
  });
});
