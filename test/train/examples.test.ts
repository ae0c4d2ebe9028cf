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
import { backends, backendNames } from '../helpers/backends.js';

const quiet = () => {};
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
