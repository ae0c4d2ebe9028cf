/**
 * Sequential as the training loop uses it: parameter names, train/eval, summary, weight snapshots, seeded
 * determinism, and the workspace mode in which a steady-state train step allocates no typed arrays.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/backend/contract.js';
import { BatchNorm1d, Dense, Dropout, Flatten, ReLU, Sequential, Softmax } from '../../lib/layers/index.js';
import { crossEntropyLoss, l2Penalty } from '../../lib/losses.js';
import { add, Workspace } from '../../lib/ops/index.js';
import { manualSeed } from '../../lib/random.js';
import { randn, tensor, type Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

function mlp(): Sequential {
  return new Sequential([
    new Flatten(),
    new Dense(12, 16, { activation: 'relu' }),
    new BatchNorm1d(16),
    new Dropout(0.25),
    new Dense(16, 8, { activation: 'tanh' }),
    new Dense(8, 3),
  ]);
}

/** One training step in the loop's mode: reused buffers, loss + L2, backward, plain SGD through the backend. */
function trainStep(be: Backend, model: Sequential, lossWs: Workspace, x: Tensor, labels: Int32Array): number {
  model.zeroGrad();
  const logits = model.forward(x, { reuse: true });
  const loss = add(crossEntropyLoss(logits, labels, { workspace: lossWs }), l2Penalty(model, 1e-3, { workspace: lossWs }), lossWs);
  loss.backward();
  for (const p of model.parameters()) be.axpy(p.size, -0.05, p.grad!, p.data);
  return loss.item();
}

/** Counts every Float32Array made while fn runs (constructor, from/of, subarray, slice). */
function countFloat32Arrays(fn: () => void): number {
  const Original = globalThis.Float32Array;
  let count = 0;
  class Counting extends Original {
    constructor(...args: unknown[]) {
      super(...(args as []));
      count++;
    }
  }
  (globalThis as { Float32Array: unknown }).Float32Array = Counting;
  try {
    fn();
  } finally {
    (globalThis as { Float32Array: unknown }).Float32Array = Original;
  }
  return count;
}

describe.each(backends.map((b) => [b.name, b] as const))('Sequential on %s', (_name, backend) => {
  it('names its parameters state_dict style and lists weights (not biases) for L2', () => {
    const model = mlp();
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      '1.weight',
      '1.bias',
      '2.weight',
      '2.bias',
      '4.weight',
      '4.bias',
      '5.weight',
      '5.bias',
    ]);
    expect(model.namedWeights().map(([n]) => n)).toContain('2.running_var');
    expect(model.regularizedWeights()).toEqual([model.layers[1], model.layers[4], model.layers[5]].map((l) => (l as Dense).weight));
    expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
  });

  it('prints a summary with layers, output shapes and parameter counts', () => {
    const model = mlp();
    const text = model.summary([3, 4]);
    expect(text).toMatch(/flatten_\d+ \(Flatten\)\s+\[batch, 12\]\s+0/);
    expect(text).toMatch(/dense_\d+ \(Dense\)\s+\[batch, 16\]\s+208/);
    expect(text).toMatch(/batchnorm1d_\d+ \(BatchNorm1d\)\s+\[batch, 16\]\s+64/);
    expect(text).toMatch(/Trainable params: 403\n/); // 208 + 32 + 136 + 27
    expect(text).toMatch(/Non-trainable params: 32/); // running mean and variance
  });

  it('getWeights returns copies and setWeights restores them, checking count and lengths', () => {
    const model = mlp();
    const saved = model.getWeights();
    expect(saved.length).toBe(10);
    saved[0][0] += 1;
    expect((model.layers[1] as Dense).weight.data[0]).not.toBe(saved[0][0]);
    model.setWeights(saved);
    expect((model.layers[1] as Dense).weight.data[0]).toBe(saved[0][0]);
    expectError(() => model.setWeights(saved.slice(1)), 'ERR_SHAPE', /expects 10 arrays/);
    const bad = saved.map((w) => w.slice());
    bad[1] = new Float32Array(3);
    expectError(() => model.setWeights(bad), 'ERR_SHAPE', /1\.bias needs a Float32Array of 16 values, got 3/);
  });

  it('train() and eval() reach every layer: dropout is the identity and batchnorm uses running stats in eval', () => {
    withBackend(backend, () => {
      const model = mlp();
      const x = randn([5, 3, 4]);
      model.eval();
      expect(model.layers.every((l) => !l.training)).toBe(true);
      const a = model.forward(x).toArray();
      const b = model.forward(x).toArray();
      expect(a).toEqual(b);
      model.train();
      expect(model.layers.every((l) => l.training)).toBe(true);
      const c = model.forward(x).toArray();
      const d = model.forward(x).toArray();
      expect(c).not.toEqual(d); // fresh dropout masks
    });
  });

  it('a seed gives the same initialization and the same training run twice', () => {
    withBackend(backend, () => {
      const run = () => {
        manualSeed(42);
        const model = mlp();
        const x = randn([6, 3, 4]);
        const labels = Int32Array.from([0, 1, 2, 2, 1, 0]);
        const ws = new Workspace();
        const losses = [0, 1, 2].map(() => trainStep(backend, model, ws, x, labels));
        return { losses, weights: model.getWeights() };
      };
      const first = run();
      const second = run();
      expect(second.losses).toEqual(first.losses);
      expect(second.weights).toEqual(first.weights);
      expect(first.losses[2]).toBeLessThan(first.losses[0]);
    });
  });

  it('public forward returns fresh outputs a caller can keep', () => {
    withBackend(backend, () => {
      const model = new Sequential([new Dense(2, 2), new Softmax()]);
      const y1 = model.forward(tensor([1, 2], [1, 2]));
      const kept = y1.toArray();
      model.forward(tensor([3, -4], [1, 2]));
      expect(y1.toArray()).toEqual(kept);
    });
  });

  it('after the first batches, a train step allocates no Float32Array and reuses its buffers', () => {
    withBackend(backend, () => {
      const model = mlp();
      const ws = new Workspace();
      const full = randn([8, 3, 4]);
      const last = randn([5, 3, 4]); // the short last batch of an epoch
      const fullLabels = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1]);
      const lastLabels = Int32Array.from([2, 2, 1, 0, 0]);
      // Warm-up: one full batch and one short batch create every buffer and every cached view.
      const warmUp = countFloat32Arrays(() => {
        trainStep(backend, model, ws, full, fullLabels);
        trainStep(backend, model, ws, last, lastLabels);
      });
      expect(warmUp).toBeGreaterThan(0); // the counter does count
      const outputs: Float32Array[] = [];
      const grads = model.parameters().map((p) => p.grad);
      const made = countFloat32Arrays(() => {
        for (let epoch = 0; epoch < 3; epoch++) {
          trainStep(backend, model, ws, full, fullLabels);
          outputs.push(model.forward(full, { reuse: true }).data);
          trainStep(backend, model, ws, last, lastLabels);
        }
      });
      expect(made).toBe(0);
      expect(outputs.every((o) => o === outputs[0])).toBe(true);
      expect(model.parameters().map((p) => p.grad)).toEqual(grads);
      expect(model.parameters().every((p, i) => p.grad === grads[i])).toBe(true);
    });
  });

  it('a ReLU layer and Flatten keep gradients flowing to the input', () => {
    withBackend(backend, () => {
      const model = new Sequential([new Flatten(), new ReLU(), new Dense(4, 1)]);
      const x = tensor([1, -2, 3, -4], [1, 2, 2], { requiresGrad: true });
      const w = (model.layers[2] as Dense).weight.data;
      model.forward(x).backward();
      expect(Array.from(x.grad!)).toEqual([w[0], 0, w[2], 0]);
    });
  });
});
