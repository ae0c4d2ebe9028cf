/**
 * ONNX export checked by ONNX Runtime (onnxruntime-node, CPU): an MLP on the real digits, LeNet on Fashion-MNIST test
 * images, a regression net on the cars of vega-datasets (miles per gallon from four measurements), and every
 * activation, each trained briefly so the weights are not the initial ones; ORT's outputs must equal neuroblas's within
 * 1e-4 (max abs difference), on both backends, at opsets 13 and 17. Every file written here must pass the official
 * checker (python3-onnx, full check) in the last test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GELU,
  Hardsigmoid,
  Identity,
  LeakyReLU,
  LogSoftmax,
  MaxPool2d,
  Mish,
  ReLU,
  ReLU6,
  SELU,
  SGD,
  Sequential,
  SiLU,
  Sigmoid,
  Softmax,
  Softplus,
  Softsign,
  Tanh,
  Tensor,
  Unflatten,
  exportOnnx,
  loadDigits,
  loadFashionMnist,
  manualSeed,
  readOnnx,
  withBackend,
  type Layer,
} from '../../lib/index.js';
import { ACTIVATION_KINDS } from '../../lib/backend/contract.js';
import { backends } from '../helpers/backends.js';
import { checkWithOnnxChecker, maxAbsDiff, ortRun } from './onnx-helpers.js';
import { scratchDir } from './scratch-dir.js';

const TOLERANCE = 1e-4;
const file = scratchDir('onnx-ort');
const written: string[] = [];

/** `count` rows spread over a split (the digits are stored by class). */
function rows(split: { x: Float32Array; y: Int32Array; rows: number }, count: number, width = 784) {
  const stride = Math.floor(split.rows / count);
  const x = new Float32Array(count * width);
  for (let i = 0; i < count; i++) x.set(split.x.subarray(i * stride * width, (i * stride + 1) * width), i * width);
  return { x, y: Int32Array.from({ length: count }, (_, i) => split.y[i * stride]) };
}

/** Exports `model`, runs it in ORT on `x`, returns the max difference of the logits (and of the probabilities). */
async function compare(name: string, model: Sequential, x: Float32Array, sample: number[], opset = 17, probabilities = false) {
  const p = file(`${name}-${opset}.onnx`);
  exportOnnx(model, p, { opset, inputShape: sample, probabilities });
  written.push(p);
  const n = x.length / sample.reduce((a, b) => a * b, 1);
  const ours = model.predict(new Tensor(x, [n, ...sample]));
  const out = await ortRun(p, x, [n, ...sample]);
  const logits = maxAbsDiff(out.logits, ours.data);
  const probs = probabilities ? maxAbsDiff(out.probabilities, model.predictProba(new Tensor(x, [n, ...sample])).data) : 0;
  return { logits, probs, file: p };
}

const digits = loadDigits();
let fashion: ReturnType<typeof loadFashionMnist> | undefined;
const train = rows(digits.train, 2000);
const test = rows(digits.test, 200);

for (const backend of backends) {
  describe(`ONNX Runtime matches neuroblas (${backend.name})`, () => {
    it('digits MLP (Dense, BatchNorm1d, Dropout, fused and separate activations), with probabilities, opsets 13 and 17', async () => {
      const model = withBackend(backend, () => {
        manualSeed(1);
        return new Sequential([
          new Dense(784, 64, { activation: 'relu' }),
          new BatchNorm1d(64),
          new Dropout(0.2),
          new Dense(64, 32),
          new Tanh(),
          new Dense(32, 10),
        ]);
      });
      withBackend(backend, () =>
        model.fitBlocking(new Tensor(train.x, [2000, 784]), train.y, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), epochs: 1 }),
      );
      for (const opset of [13, 17]) {
        const d = await withBackend(backend, () => compare(`mlp-${backend.name}`, model, test.x, [784], opset, true));
        expect(d.logits).toBeLessThanOrEqual(TOLERANCE);
        expect(d.probs).toBeLessThanOrEqual(TOLERANCE);
      }
    });

    it('LeNet on Fashion-MNIST test images (Unflatten, Conv2d, BatchNorm2d, max and average pools with padding, Flatten)', async () => {
      fashion ??= loadFashionMnist();
      const fTrain = rows(fashion.train, 1000);
      const fTest = rows(fashion.test, 100);
      const model = withBackend(backend, () => {
        manualSeed(2);
        return new Sequential([
          new Unflatten([1, 28, 28]),
          new Conv2d(1, 6, 5, { padding: 2 }),
          new BatchNorm2d(6),
          new ReLU(),
          new MaxPool2d(2),
          new Conv2d(6, 16, 5),
          new ReLU(),
          new AvgPool2d(2, { padding: 1 }),
          new Flatten(),
          new Dense(16 * 6 * 6, 84, { activation: 'relu' }),
          new Dense(84, 10),
        ]);
      });
      withBackend(backend, () =>
        model.fitBlocking(new Tensor(fTrain.x, [1000, 784]), fTrain.y, {
          optimizer: new SGD(model.parameters(), { lr: 0.05 }),
          epochs: 1,
        }),
      );
      const d = await withBackend(backend, () => compare(`lenet-${backend.name}`, model, fTest.x, [784]));
      expect(d.logits).toBeLessThanOrEqual(TOLERANCE);
      // The same network fed images [1, 28, 28] directly (no Unflatten): the input shape is the one given.
      const images = new Sequential(model.layers.slice(1));
      const d2 = await withBackend(backend, () => compare(`lenet-images-${backend.name}`, images, fTest.x, [1, 28, 28]));
      expect(d2.logits).toBeLessThanOrEqual(TOLERANCE);
    });

    it('a regression net (Dense stack, float targets: miles per gallon of the vega-datasets cars)', async () => {
      const { x, y, n } = cars();
      const model = withBackend(backend, () => {
        manualSeed(3);
        return new Sequential([new Dense(4, 16, { activation: 'elu' }), new Dense(16, 8, { activation: 'softplus' }), new Dense(8, 1)]);
      });
      withBackend(backend, () =>
        model.fitBlocking(new Tensor(x, [n, 4]), new Tensor(y, [n, 1]), {
          optimizer: new SGD(model.parameters(), { lr: 0.01 }),
          loss: 'mse',
          epochs: 5,
        }),
      );
      const d = await withBackend(backend, () => compare(`cars-${backend.name}`, model, x, [4]));
      expect(d.logits).toBeLessThanOrEqual(TOLERANCE);
    });

    it('every activation, as a layer and fused in Dense (softmax and logSoftmax last)', async () => {
      const layers: Layer[] = withBackend(backend, () => {
        manualSeed(4);
        const list: Layer[] = [new Dense(784, 24)];
        const separate = [
          new Sigmoid(),
          new Identity(),
          new Tanh(),
          new ReLU(),
          new LeakyReLU(0.2),
          new ELU(0.7),
          new Softplus(),
          new GELU(),
          new GELU({ approximate: 'tanh' }),
          new SiLU(),
          new SELU(),
          new Mish(),
          new Softsign(),
          new Hardsigmoid(),
          new ReLU6(),
        ];
        for (const a of separate) list.push(a, new Dense(24, 24));
        for (const kind of ACTIVATION_KINDS) list.push(new Dense(24, 24, { activation: kind, alpha: kind === 'elu' ? 0.5 : undefined }));
        return list;
      });
      for (const [i, head] of [new Softmax(), new LogSoftmax()].entries()) {
        const model = new Sequential([...layers, new Dense(24, 10), head]);
        const d = await withBackend(backend, () => compare(`activations-${i}-${backend.name}`, model, test.x, [784]));
        expect(d.logits).toBeLessThanOrEqual(TOLERANCE);
      }
      const fusedHead = new Sequential([...layers, new Dense(24, 10, { activation: 'softmax' })]);
      const d = await withBackend(backend, () => compare(`activations-fused-${backend.name}`, fusedHead, test.x, [784], 13));
      expect(d.logits).toBeLessThanOrEqual(TOLERANCE);
    });
  });
}

/** The 392 cars with every value, standardized features (cylinders, displacement, horsepower, weight) → mpg. */
function cars(): { x: Float32Array; y: Float32Array; n: number } {
  const json = JSON.parse(fs.readFileSync(path.resolve('node_modules/vega-datasets/data/cars.json'), 'utf8')) as Record<string, unknown>[];
  const keys = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs'];
  const complete = json.filter((r) => [...keys, 'Miles_per_Gallon'].every((k) => typeof r[k] === 'number'));
  const n = complete.length;
  const x = new Float32Array(n * 4);
  keys.forEach((k, j) => {
    const v = complete.map((r) => r[k] as number);
    const mean = v.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    v.forEach((value, i) => {
      x[i * 4 + j] = (value - mean) / sd;
    });
  });
  return { x, y: Float32Array.from(complete, (r) => r.Miles_per_Gallon as number), n };
}

describe('the exported files', () => {
  it('carry classes, input range and extra metadata, read back by readOnnx', () => {
    const model = new Sequential([new Dense(4, 3)]);
    const p = file('metadata.onnx');
    const inputRange = { min: [0, 0, 0, 0], max: [1, 2, 3, 4] };
    exportOnnx(model, p, { classes: ['a', 'b', 'c'], inputRange, metadata: { tokenizer: '{"vocab":["x"]}' } });
    written.push(p);
    const back = readOnnx(p);
    expect(back.classes).toEqual(['a', 'b', 'c']);
    expect(back.inputRange).toEqual(inputRange);
    expect(back.metadata.tokenizer).toBe('{"vocab":["x"]}');
    expect(back.producer).toMatch(/^neuroblas /);
    expect(back.inputShape).toEqual([4]);
  });

  it('pass onnx.checker.check_model(full_check=True)', () => {
    expect(written.length).toBeGreaterThanOrEqual(10);
    checkWithOnnxChecker(written);
  });
});
