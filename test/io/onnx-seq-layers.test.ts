/**
 * ONNX for the sequence-era layers: a Conv1d net on the real digits read as 28 channels × 28 steps (Conv1d, MaxPool1d,
 * AvgPool1d with padding, LayerNorm, GlobalAvgPool1d), a 2-D net ending in GlobalMaxPool2d, and a regressor ending in
 * TargetScaling on the vega-datasets cars. ONNX Runtime's outputs equal neuroblas's within 1e-4 (both backends), the
 * files pass the official checker, and each imports back to the same layers and predictions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AvgPool1d,
  Conv1d,
  Conv2d,
  Dense,
  GlobalAvgPool1d,
  GlobalAvgPool2d,
  GlobalMaxPool1d,
  GlobalMaxPool2d,
  LayerNorm,
  MaxPool1d,
  ReLU,
  SGD,
  Sequential,
  TargetScaling,
  Tensor,
  Unflatten,
  exportOnnx,
  importOnnx,
  loadDigits,
  manualSeed,
  withBackend,
} from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';
import { backends } from '../helpers/backends.js';
import { checkWithOnnxChecker, maxAbsDiff, ortRun } from './onnx-helpers.js';
import { scratchDir } from './scratch-dir.js';

const TOLERANCE = 1e-4;
const file = scratchDir('onnx-seq');
const written: string[] = [];
const digits = loadDigits();
const ROWS = 300;
const stride = Math.floor(digits.train.rows / ROWS);
const trainX = new Float32Array(ROWS * 784);
for (let i = 0; i < ROWS; i++) trainX.set(digits.train.x.subarray(i * stride * 784, (i * stride + 1) * 784), i * 784);
const trainY = Int32Array.from({ length: ROWS }, (_, i) => digits.train.y[i * stride]);
const testX = digits.test.x.slice(0, 100 * 784);

/** Trains `model` an epoch on the digit rows, exports it, and returns ORT's and the re-imported model's differences. */
async function check(name: string, model: Sequential, backend: (typeof backends)[number]) {
  withBackend(backend, () =>
    model.fitBlocking(new Tensor(trainX, [ROWS, 784]), trainY, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), epochs: 1 }),
  );
  const p = file(`${name}-${backend.name}.onnx`);
  exportOnnx(model, p);
  written.push(p);
  model.eval();
  const ours = withBackend(backend, () => model.predict(new Tensor(testX, [100, 784])));
  const back = importOnnx(p).eval();
  expect(back.layers.map((l) => l.type)).toEqual(model.layers.map((l) => l.type));
  // The same weights, bit for bit (a LayerNorm without affine comes back with scale 1 and bias 0, trainable).
  const imported = back.stateDict();
  for (const [name, w] of Object.entries(model.stateDict())) expect(imported[name], name).toEqual(w);
  const again = withBackend(backend, () => back.predict(new Tensor(testX, [100, 784])));
  return { ort: maxAbsDiff((await ortRun(p, testX, [100, 784])).logits, ours.data), back: maxAbsDiff(again.data, ours.data) };
}

for (const backend of backends) {
  describe(`sequence layers in ONNX Runtime (${backend.name})`, () => {
    it('a Conv1d net: Conv1d, MaxPool1d, AvgPool1d (padding), LayerNorm, GlobalAvgPool1d', async () => {
      manualSeed(11);
      const model = new Sequential([
        new Unflatten([28, 28]),
        new Conv1d(28, 16, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool1d(2),
        new Conv1d(16, 12, 3, { dilation: 2 }),
        new AvgPool1d(2, { padding: 1 }),
        new LayerNorm(6),
        new GlobalAvgPool1d(),
        new Dense(12, 10),
      ]);
      const d = await check('conv1d', model, backend);
      expect(d.ort).toBeLessThanOrEqual(TOLERANCE);
      expect(d.back).toBeLessThanOrEqual(1e-6); // OpenBLAS may round differently on other buffers
    });

    it('global max and average pools over 1-D and 2-D samples', async () => {
      manualSeed(12);
      const two = new Sequential([
        new Unflatten([1, 28, 28]),
        new Conv2d(1, 6, 5, { stride: 2 }),
        new ReLU(),
        new GlobalMaxPool2d(),
        new Dense(6, 10),
      ]);
      expect((await check('global-max-2d', two, backend)).ort).toBeLessThanOrEqual(TOLERANCE);
      const avg2 = new Sequential([new Unflatten([1, 28, 28]), new Conv2d(1, 4, 3), new GlobalAvgPool2d(), new Dense(4, 10)]);
      expect((await check('global-avg-2d', avg2, backend)).ort).toBeLessThanOrEqual(TOLERANCE);
      const max1 = new Sequential([
        new Unflatten([28, 28]),
        new Conv1d(28, 8, 5),
        new GlobalMaxPool1d(),
        new LayerNorm(8, { elementwiseAffine: false }),
        new Dense(8, 10),
      ]);
      expect((await check('global-max-1d', max1, backend)).ort).toBeLessThanOrEqual(TOLERANCE);
    });

    it('a regressor ending in TargetScaling (the cars: miles per gallon in its own units)', async () => {
      const cars = JSON.parse(fs.readFileSync(path.resolve('node_modules/vega-datasets/data/cars.json'), 'utf8')) as Record<
        string,
        number
      >[];
      const ok = cars.filter(
        (r) => typeof r.Horsepower === 'number' && typeof r.Miles_per_Gallon === 'number' && typeof r.Weight_in_lbs === 'number',
      );
      const x = Float32Array.from(ok.flatMap((r) => [r.Horsepower / 100, r.Weight_in_lbs / 1000]));
      const y = Float32Array.from(ok, (r) => r.Miles_per_Gallon);
      manualSeed(13);
      const scaling = new TargetScaling(1).adapt(y);
      const model = new Sequential([new Dense(2, 8, { activation: 'tanh' }), new Dense(8, 1), scaling]);
      withBackend(backend, () =>
        model.fitBlocking(new Tensor(x, [ok.length, 2]), new Tensor(y, [ok.length, 1]), {
          optimizer: new SGD(model.parameters(), { lr: 0.05 }),
          loss: 'mse',
          epochs: 5,
        }),
      );
      const p = file(`cars-scaled-${backend.name}.onnx`);
      exportOnnx(model, p);
      written.push(p);
      const ours = withBackend(backend, () => model.predict(new Tensor(x, [ok.length, 2])));
      expect(maxAbsDiff((await ortRun(p, x, [ok.length, 2])).logits, ours.data)).toBeLessThanOrEqual(TOLERANCE);
      const back = importOnnx(p);
      expect(back.layers.map((l) => l.type)).toEqual(['Dense', 'Tanh', 'Dense', 'TargetScaling']);
      expect(back.namedWeights().map(([, w]) => w)).toEqual(model.namedWeights().map(([, w]) => w));
      expect(maxAbsDiff(withBackend(backend, () => back.predict(new Tensor(x, [ok.length, 2]))).data, ours.data)).toBeLessThanOrEqual(1e-6);
    });
  });
}

describe('sequence layers: the checker, and what needs a newer opset', () => {
  it('LayerNorm needs opset 17', () => {
    const model = new Sequential([new Dense(4, 3), new LayerNorm(3)]);
    expectError(() => exportOnnx(model, file('ln13.onnx'), { opset: 13 }), 'ERR_UNSUPPORTED', /LayerNorm needs opset 17/);
  });

  it('every file passes onnx.checker.check_model(full_check=True)', () => {
    expect(written.length).toBeGreaterThanOrEqual(5);
    checkWithOnnxChecker(written);
  });
});
