/**
 * Issue 12, item 1: fit's `validationSplit` and the CLI's `--validation-split` mean the same thing, a seeded random
 * split of the rows (stratified for class labels), never "the last rows": on data sorted by class (loadDigits) the
 * last rows are the last classes, which training would then never see.
 */
import { describe, expect, it } from 'vitest';
import { splitDataset } from '../../lib/data/split.js';
import {
  Dense,
  Random,
  SGD,
  Sequential,
  Tensor,
  evaluate,
  fit,
  fitBlocking,
  manualSeed,
  trainValidationSplit,
  type FitOptions,
} from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { expectError } from '../helpers/errors.js';

const FEATURES = 4;
const CLASSES = 3;

/** 150 rows of three blobs, sorted by class like loadDigits: 50 of class 0, then 50 of 1, then 50 of 2. */
function sortedBlobs(): { x: Tensor; y: Int32Array } {
  const { x, y } = gaussianBlobs(600, FEATURES, CLASSES, 11, 0.7);
  const rows: number[] = [];
  for (let c = 0; c < CLASSES; c++) for (let i = 0, n = 0; i < 600 && n < 50; i++) if (y[i] === c && ++n) rows.push(i);
  return rowsOf(x, y, rows);
}

function rowsOf(x: Tensor, y: Int32Array, rows: ArrayLike<number>): { x: Tensor; y: Int32Array } {
  const xs = new Float32Array(rows.length * FEATURES);
  const ys = new Int32Array(rows.length);
  Array.from(rows).forEach((r, i) => {
    xs.set(x.data.subarray(r * FEATURES, (r + 1) * FEATURES), i * FEATURES);
    ys[i] = y[r];
  });
  return { x: new Tensor(xs, [rows.length, FEATURES]), y: ys };
}

function makeModel(seed = 1): Sequential {
  manualSeed(seed);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), new Dense(8, CLASSES)]);
}

const { x, y } = sortedBlobs();
const counts = (labels: ArrayLike<number>) => Array.from({ length: CLASSES }, (_, c) => Array.from(labels).filter((v) => v === c).length);

describe('trainValidationSplit', () => {
  it('holds out floor(rows · fraction) random rows, stratified by label, the same for the same seed', () => {
    const a = trainValidationSplit(150, 0.2, { labels: y });
    expect(a.validation.length).toBe(30);
    expect(a.train.length).toBe(120);
    expect([...a.train, ...a.validation].sort((p, q) => p - q)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(counts(Array.from(a.validation, (r) => y[r]))).toEqual([10, 10, 10]);
    expect(Array.from(a.validation)).not.toEqual(Array.from({ length: 30 }, (_, i) => 120 + i)); // not the last rows
    expect(trainValidationSplit(150, 0.2, { labels: y })).toEqual(a);
    expect(trainValidationSplit(150, 0.2, { labels: y, seed: 2 })).not.toEqual(a);
    // Uneven classes: each class gives its share (largest remainders), never its last training row.
    const uneven = Int32Array.from({ length: 23 }, (_, i) => (i < 20 ? 0 : i < 22 ? 1 : 2));
    const u = trainValidationSplit(23, 0.5, { labels: uneven });
    expect(counts(Array.from(u.validation, (r) => uneven[r]))).toEqual([10, 1, 0]);
    // Without labels (regression targets): a plain random sample of the rows.
    const r = trainValidationSplit(150, 0.2, { seed: new Random(5) });
    expect(r.validation.length).toBe(30);
    expectError(() => trainValidationSplit(3, 0.2), 'ERR_INVALID_ARG', /leaves no rows/);
    expectError(() => trainValidationSplit(10, 1), 'ERR_INVALID_ARG', /must be in \(0, 1\)/);
  });

  it("the CLI's --validation-split goes through the same function (splitDataset): the same rows for the same seed", () => {
    const data = { x: x.data, y, rows: 150, features: FEATURES, classes: CLASSES, sampleShape: [FEATURES] };
    const split = splitDataset(data, 0.2, 3);
    const rows = trainValidationSplit(150, 0.2, { labels: y, seed: 3 });
    expect(split.test.y).toEqual(Int32Array.from(rows.validation, (r) => y[r]));
    expect(split.test.x).toEqual(rowsOf(x, y, rows.validation).x.data);
    expect(split.train.x).toEqual(rowsOf(x, y, rows.train).x.data);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('fit validationSplit on %s', (_name, backend) => {
  it('on data sorted by class, validates on every class (not on the last rows, a class training never saw)', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      let batches = 0;
      const h = await fit(model, x, y, {
        optimizer: new SGD(model.parameters(), { lr: 0.1 }),
        epochs: 15,
        batchSize: 16,
        validationSplit: 0.2,
        callbacks: {
          onBatchEnd: (l) => {
            batches = l.batches;
          },
        },
      });
      expect(batches).toBe(8); // 120 training rows
      // The last 30 rows are all class 2: trained on classes 0 and 1 only, validation accuracy would be 0.
      expect(h.at(-1)!.valAccuracy!).toBeGreaterThan(0.8);
      const held = rowsOf(x, y, trainValidationSplit(150, 0.2, { labels: y }).validation);
      const r = evaluate(model, held.x, held.y);
      expect(h.at(-1)!.valLoss!).toBeCloseTo(r.loss, 5);
      expect(h.at(-1)!.valAccuracy).toBe(r.accuracy);
    });
  });

  it("the rows depend on validationSeed only (not on the shuffles' generator), in every way fit runs", async () => {
    await onBackend(backend, async () => {
      // lr 0: the model does not change, so valLoss is the loss of the untrained model on exactly the held-out rows.
      const valLoss = async (o: Partial<FitOptions>, train: typeof fit = fit) => {
        const model = makeModel(4);
        const h = await train(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0 }), validationSplit: 0.3, ...o });
        return h[0].valLoss!;
      };
      const untrained = makeModel(4);
      const lossOn = (seed: number) => {
        const held = rowsOf(x, y, trainValidationSplit(150, 0.3, { labels: y, seed }).validation);
        return evaluate(untrained, held.x, held.y).loss;
      };
      const first = await valLoss({ rng: new Random(1) });
      expect(first).toBeCloseTo(lossOn(1), 5);
      expect(await valLoss({ rng: new Random(2) })).toBe(first);
      expect(await valLoss({ worker: true })).toBe(first);
      expect(await valLoss({ worker: false })).toBe(first);
      expect(await valLoss({}, fitBlocking)).toBe(first);
      const other = await valLoss({ validationSeed: 9 });
      expect(other).toBeCloseTo(lossOn(9), 5);
      expect(other).not.toBe(first);
      for (const bad of [-1, 1.5, '3']) {
        const model = makeModel();
        const err = await rejection(
          fit(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), validationSplit: 0.2, validationSeed: bad as never }),
        );
        expect(err.message).toMatch(/validationSeed/);
      }
    });
  });
});
