/**
 * The examples in examples/ do what their headers promise: XOR is solved for every seed 1..20, the perceptron
 * and Adaline separate their data, short runs of the digits and Fashion-MNIST networks learn. Each example is
 * called through its exported function with its `backend` option (and a silent log).
 */
import { describe, expect, it } from 'vitest';
import { adaline } from '../../examples/adaline.js';
import { digitsMlp } from '../../examples/digits-mlp.js';
import { fashionMlp } from '../../examples/fashion-mlp.js';
import { perceptron } from '../../examples/perceptron.js';
import { xor } from '../../examples/xor.js';
import { carsSplit, regressionCars } from '../../examples/regression-cars.js';
import { backends, backendNames } from '../helpers/backends.js';

const quiet = () => {};

/** Least squares with an intercept in float64 (normal equations, a 1e-9 ridge for the collinear one-hot columns): RMSE on the test rows. */
function olsTestRmse(): number {
  const { xTrain, yTrain, xTest, yTest, features: F } = carsSplit(1);
  const d = F + 1;
  const A = Array.from({ length: d }, () => new Float64Array(d));
  const b = new Float64Array(d);
  const row = (x: Float32Array, i: number) => [1, ...Array.from(x.subarray(i * F, (i + 1) * F))];
  for (let i = 0; i < xTrain.shape[0]; i++) {
    const r = row(xTrain.data, i);
    for (let p = 0; p < d; p++) {
      b[p] += r[p] * yTrain.data[i];
      for (let q = 0; q < d; q++) A[p][q] += r[p] * r[q];
    }
  }
  for (let p = 0; p < d; p++) A[p][p] += 1e-9;
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < d; c++) {
    let best = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r][c]) > Math.abs(A[best][c])) best = r;
    [A[c], A[best]] = [A[best], A[c]];
    [b[c], b[best]] = [b[best], b[c]];
    for (let r = c + 1; r < d; r++) {
      const f = A[r][c] / A[c][c];
      for (let q = c; q < d; q++) A[r][q] -= f * A[c][q];
      b[r] -= f * b[c];
    }
  }
  const w = new Float64Array(d);
  for (let c = d - 1; c >= 0; c--) {
    let s = b[c];
    for (let q = c + 1; q < d; q++) s -= A[c][q] * w[q];
    w[c] = s / A[c][c];
  }
  let sq = 0;
  for (let i = 0; i < xTest.shape[0]; i++) {
    const r = row(xTest.data, i);
    const e = r.reduce((s, v, p) => s + v * w[p], 0) - yTest.data[i];
    sq += e * e;
  }
  return Math.sqrt(sq / xTest.shape[0]);
}
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe.each(backends.map((b) => [b.name, b] as const))('examples on %s', (_name, backend) => {
  it('xor: the 2-4-1 tanh network solves XOR for every seed 1..20', async () => {
    const unsolved: string[] = [];
    for (const seed of SEEDS) {
      const r = await xor({ seed, backend, log: quiet });
      if (!r.solved) unsolved.push(`seed ${seed}: outputs ${r.outputs.map((o) => o.toFixed(3)).join(', ')}`);
    }
    expect(unsolved, 'unsolved seeds').toEqual([]);
  });

  it('perceptron: converges to zero errors on separable data (seeds 1..20)', async () => {
    for (const seed of SEEDS) {
      const r = await perceptron({ seed, backend, log: quiet });
      expect(r.converged, `seed ${seed}`).toBe(true);
      expect(r.mistakes[r.mistakes.length - 1]).toBe(0);
      expect(r.errors, `seed ${seed}`).toBe(0);
    }
  });

  it('adaline: Dense(2, 1) + mse + SGD, thresholded, reaches 100 % (seeds 1..20)', async () => {
    for (const seed of SEEDS) {
      const r = await adaline({ seed, backend, log: quiet });
      expect(r.accuracy, `seed ${seed}`).toBe(1);
      const h = r.history;
      expect(h[h.length - 1].loss).toBeLessThan(h[0].loss);
    }
  });

  it('regression-cars: the Dense baseline reaches least squares, the MLP beats it, in miles per gallon', async () => {
    const r = await regressionCars({ backend, log: quiet });
    const ols = olsTestRmse();
    expect(Math.abs(r.linear.rmse - ols) / ols).toBeLessThan(0.03);
    expect(r.mlp.rmse).toBeLessThan(r.linear.rmse);
    expect(r.mlp.r2).toBeGreaterThan(0.85);
    // In the targets' units: an error of a few mpg on cars averaging ~23 mpg.
    expect(r.mlp.mae).toBeGreaterThan(0.5);
    expect(r.mlp.mae).toBeLessThan(3);
  });

  it('digits-mlp: 2 epochs reach > 80 % test accuracy', async () => {
    const r = await digitsMlp({ epochs: 2, backend, log: quiet });
    expect(r.history.length).toBe(2);
    expect(r.testAccuracy).toBeGreaterThan(0.8);
  });
});

// Native when requested (the js backend takes ~15 s for this run), else js.
const fashionBackend = backends[backendNames.indexOf(backendNames.includes('native') ? 'native' : 'js')];

describe('examples: fashion-mlp', () => {
  // Needs Debian's dataset-fashion-mnist (npm run setup and CI install it); without it the loader's ERR_IO says how to get it.
  it(`fashion-mlp: 1 epoch on the first 6000 rows reaches > 70 % test accuracy (${fashionBackend.name})`, async () => {
    const r = await fashionMlp({ epochs: 1, trainRows: 6000, backend: fashionBackend, log: quiet });
    expect(r.history.length).toBe(1);
    expect(r.testAccuracy).toBeGreaterThan(0.7);
  });
});
