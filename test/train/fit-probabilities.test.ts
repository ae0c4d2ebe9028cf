/**
 * Issue 12, item 2: cross-entropy takes logits. A model whose last layer already applies softmax (or sigmoid, for
 * BCE on logits) would get it twice and train poorly without a word: fit and evaluate refuse it and say the fix.
 * `predict` returns the logits; `predictProba` gives the probabilities.
 */
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Dropout,
  SGD,
  Sequential,
  Softmax,
  Tensor,
  evaluate,
  fit,
  manualSeed,
  predict,
  predictProba,
  type Layer,
} from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';

const FEATURES = 4;
const CLASSES = 3;
const { x, y } = gaussianBlobs(60, FEATURES, CLASSES, 11, 0.7);

function model(...tail: Layer[]): Sequential {
  manualSeed(1);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), ...tail]);
}

function softmaxRows(logits: Float32Array, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / width; r++) {
    const row = Array.from(logits.subarray(r * width, (r + 1) * width));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

describe.each(backends.map((b) => [b.name, b] as const))('output probabilities on %s', (_name, backend) => {
  it('fit and evaluate refuse a softmax last layer with cross-entropy (which applies softmax itself), saying the fix', async () => {
    await onBackend(backend, async () => {
      const cases: [string, Sequential, Record<string, unknown>][] = [
        ['Dense softmax', model(new Dense(8, CLASSES, { activation: 'softmax' })), {}],
        ['Softmax layer', model(new Dense(8, CLASSES), new Softmax()), {}],
        ['Softmax, then Dropout', model(new Dense(8, CLASSES), new Softmax(), new Dropout(0.1)), { loss: 'crossEntropy' }],
        ['nested', new Sequential([model(new Dense(8, CLASSES, { activation: 'softmax' }))]), {}],
      ];
      for (const [what, m, extra] of cases) {
        const before = m.getWeights();
        for (const worker of [true, false]) {
          const err = await rejection(fit(m, x, y, { optimizer: new SGD(m.parameters(), { lr: 0.1 }), epochs: 2, worker, ...extra }));
          expect(err.code, what).toBe('ERR_INVALID_ARG');
          expect(err.message, what).toMatch(/softmax.*twice.*remove the softmax.*predictProba/);
          expect(m.getWeights()).toEqual(before);
        }
        expectError(() => evaluate(m, x, y), 'ERR_INVALID_ARG', /remove the softmax/);
      }
      // A sigmoid output with BCE on logits is the same mistake.
      const sig = model(new Dense(8, 1, { activation: 'sigmoid' }));
      const target = Float32Array.from(y, (c) => (c === 0 ? 1 : 0));
      const err = await rejection(fit(sig, x, target, { optimizer: new SGD(sig.parameters(), { lr: 0.1 }), loss: 'bceWithLogits' }));
      expect(err.message).toMatch(/sigmoid.*twice.*remove the sigmoid/);
      // Other losses on probabilities are what the user meant.
      const onehot = new Tensor(
        Float32Array.from({ length: 60 * CLASSES }, (_, i) => (y[Math.floor(i / CLASSES)] === i % CLASSES ? 1 : 0)),
        [60, CLASSES],
      );
      const soft = model(new Dense(8, CLASSES, { activation: 'softmax' }));
      const h = await fit(soft, x, onehot, { optimizer: new SGD(soft.parameters(), { lr: 0.1 }), loss: 'mse' });
      expect(Number.isFinite(h[0].loss)).toBe(true);
    });
  });

  it('predict returns logits; predictProba the softmax of them (sigmoid for one output); a softmax model as it is', async () => {
    await onBackend(backend, async () => {
      const m = model(new Dense(8, CLASSES));
      const logits = predict(m, x);
      const p = predictProba(m, x, { batchSize: 7 });
      expect(p.shape).toEqual([60, CLASSES]);
      expectClose(p.data, Float32Array.from(softmaxRows(logits.data, CLASSES)), { rtol: 1e-5, atol: 1e-6 }, 'predictProba');
      expect(m.predictProba(x).data).toEqual(p.data);
      expect(Array.from(logits.data).some((v) => v < 0 || v > 1)).toBe(true); // logits, not probabilities

      const binary = model(new Dense(8, 1));
      const z = predict(binary, x).data;
      expectClose(
        predictProba(binary, x).data,
        Float32Array.from(z, (v) => 1 / (1 + Math.exp(-v))),
        { rtol: 1e-5, atol: 1e-6 },
        'sigmoid',
      );

      const already = model(new Dense(8, CLASSES), new Softmax());
      expect(predictProba(already, x).data).toEqual(predict(already, x).data);
      expectError(() => predictProba(m, x, { batch: 3 } as never), 'ERR_INVALID_ARG', /unknown option "batch"/);
    });
  });
});
