/**
 * Issue 12, item 5: y must match x row for row. Labels of the wrong length (192 labels for 64 rows of a 3-class
 * model) used to be read as 3 float targets per row and trained with MSE; now they are an error. Several float
 * targets per row (regression, class probabilities) are given with their shape: a Tensor [rows, ...].
 */
import { describe, expect, it } from 'vitest';
import { Dense, SGD, Sequential, Tensor, evaluate, fit, manualSeed, type Targets } from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { expectError } from '../helpers/errors.js';

const FEATURES = 4;
const CLASSES = 3;
const { x, y } = gaussianBlobs(64, FEATURES, CLASSES, 11, 0.7);

function makeModel(out = CLASSES): Sequential {
  manualSeed(1);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), new Dense(8, out)]);
}

describe.each(backends.map((b) => [b.name, b] as const))('targets that do not match the rows on %s', (_name, backend) => {
  it('192 labels for 64 rows are an error, not 3 regression targets per row; with or without a worker, in evaluate too', async () => {
    await onBackend(backend, async () => {
      const labels = Int32Array.from({ length: 192 }, (_, i) => i % CLASSES);
      const wrong: [string, Targets, Record<string, unknown>][] = [
        ['Int32Array', labels, {}],
        ['number[]', Array.from(labels), {}],
        ['flat Float32Array', Float32Array.from(labels), {}],
        ['flat Float32Array, mse', Float32Array.from(labels), { loss: 'mse' }],
        ['Tensor [192]', new Tensor(Float32Array.from(labels), [192]), {}],
        ['Tensor [32, 6]', new Tensor(Float32Array.from(labels), [32, 6]), { loss: 'mse' }],
      ];
      const model = makeModel();
      const before = model.getWeights();
      for (const [what, targets, extra] of wrong) {
        for (const worker of [true, false]) {
          const err = await rejection(fit(model, x, targets, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), worker, ...extra }));
          expect(err.code, what).toBe('ERR_SHAPE');
          expect(err.message, what).toMatch(/x has 64 rows/);
        }
        expectError(() => evaluate(model, x, targets, extra), 'ERR_SHAPE', /x has 64 rows/);
      }
      const err = await rejection(fit(model, x, labels, { optimizer: new SGD(model.parameters(), { lr: 0.1 }) }));
      expect(err.message).toMatch(/one label per row.*Tensor \[64, 3\]/);
      expect(model.getWeights()).toEqual(before);
    });
  });

  it('float targets are regression when their shape says so: a Tensor [rows, outputs], or one value per row', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const targets = new Tensor(
        Float32Array.from({ length: 64 * CLASSES }, (_, i) => (y[Math.floor(i / CLASSES)] === i % CLASSES ? 1 : 0)),
        [64, CLASSES],
      );
      const h = await fit(model, x, targets, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: 'mse', epochs: 3 });
      expect(h[2].loss).toBeLessThan(h[0].loss);
      expect(h[0].accuracy).toBeUndefined();
      // Class probabilities for cross-entropy, given with their shape.
      const probs = await fit(model, x, targets, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: 'crossEntropy' });
      expect(Number.isFinite(probs[0].loss)).toBe(true);
      const single = makeModel(1);
      const r = await fit(single, x, Float32Array.from(y), { optimizer: new SGD(single.parameters(), { lr: 0.01 }), loss: 'mse' });
      expect(Number.isFinite(r[0].loss)).toBe(true);
    });
  });
});
