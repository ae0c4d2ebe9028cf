/**
 * Normalization: statistics fitted on the training split only and applied unchanged to the test split, and
 * folding them into the first Dense layer so a saved model takes raw rows.
 */
import { describe, expect, it } from 'vitest';
import { applyNormalization, fitNormalization, foldNormalization, normalizeSplit } from '../../lib/data/normalize.js';
import type { Dataset } from '../../lib/data/dataset.js';
import { Dense } from '../../lib/layers/dense.js';
import { Random } from '../../lib/random.js';
import { tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';

const ds = (x: number[], features: number): Dataset => ({
  x: Float32Array.from(x),
  y: new Int32Array(x.length / features),
  rows: x.length / features,
  features,
  classes: 1,
  sampleShape: [features],
});

describe('fitNormalization / applyNormalization', () => {
  it('minmax maps the training range of each feature to [0, 1]', () => {
    const x = Float32Array.from([0, 100, 5, 300, 10, 200]); // feature 0 in [0, 10], feature 1 in [100, 300]
    const n = fitNormalization('minmax', x, 2);
    expect(Array.from(applyNormalization(n, x))).toEqual([0, 0, 0.5, 1, 1, 0.5]);
  });

  it('standardize gives mean 0 and (population) std 1 on the training rows', () => {
    const rng = new Random(3);
    const x = new Float32Array(500 * 3);
    for (let i = 0; i < x.length; i++) x[i] = (i % 3) * 1000 + 50 * rng.normal();
    const z = applyNormalization(fitNormalization('standardize', x, 3), x);
    for (let j = 0; j < 3; j++) {
      let s = 0,
        sq = 0;
      for (let i = j; i < z.length; i += 3) {
        s += z[i];
        sq += z[i] * z[i];
      }
      expect(Math.abs(s / 500)).toBeLessThan(1e-5);
      expect(Math.sqrt(sq / 500)).toBeCloseTo(1, 4);
    }
  });

  it('a constant feature becomes 0, not NaN', () => {
    for (const kind of ['minmax', 'standardize'] as const) {
      const x = Float32Array.from([7, 1, 7, 2, 7, 3]);
      const z = applyNormalization(fitNormalization(kind, x, 2), x);
      expect([z[0], z[2], z[4]]).toEqual([0, 0, 0]);
    }
  });

  it('normalizeSplit fits on train only: test values are mapped with the training statistics', () => {
    const split = normalizeSplit('minmax', { train: ds([0, 10, 10, 20], 2), test: ds([20, 0], 2) });
    expect(Array.from(split.train.x)).toEqual([0, 0, 1, 1]);
    // Had the test split been fitted on its own, both values would be in [0, 1].
    expect(Array.from(split.test.x)).toEqual([2, -1]);
    expect(Array.from(split.normalization.offset)).toEqual([0, 10]);
  });

  it('in place with out = x; errors name the function', () => {
    const x = Float32Array.from([2, 4]);
    applyNormalization(fitNormalization('minmax', Float32Array.from([0, 0, 4, 8]), 2), x, x);
    expect(Array.from(x)).toEqual([0.5, 0.5]);
    expectError(
      () => fitNormalization('minmax', new Float32Array(5), 2),
      'ERR_SHAPE',
      /fitNormalization: 5 values are not whole rows of 2 features/,
    );
    expectError(
      () => fitNormalization('zscore' as never, new Float32Array(2), 2),
      'ERR_INVALID_ARG',
      /kind must be one of minmax, standardize/,
    );
    expectError(() => fitNormalization('minmax', new Float32Array(0), 2), 'ERR_SHAPE', /no rows/);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('foldNormalization on %s', (_name, backend) => {
  it('a Dense layer with the statistics folded in gives on raw rows what it gave on normalized rows', () => {
    withBackend(backend, () => {
      const rng = new Random(11);
      const features = 5,
        out = 4,
        rows = 7;
      const raw = new Float32Array(rows * features);
      for (let i = 0; i < raw.length; i++) raw[i] = (i % features) * 30 + 10 * rng.normal();
      const n = fitNormalization('standardize', raw, features);
      const layer = new Dense(features, out, { rng, biasInitializer: { kind: 'normal' } });
      const expected = layer.forward(tensor(applyNormalization(n, raw), [rows, features])).data.slice();
      foldNormalization(n, layer.weight.data, layer.bias!.data);
      const got = layer.forward(tensor(raw, [rows, features])).data;
      expectClose(got, Array.from(expected), { rtol: 1e-4, atol: 1e-4 }, 'folded output');
    });
  });
});
