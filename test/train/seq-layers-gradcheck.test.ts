/**
 * gradcheck (lib/gradcheck.ts: float64 central differences) on every sequence op, on every backend, with odd sizes:
 * Conv1d (stride, padding, dilation, with and without bias), MaxPool1d and AvgPool1d with padding, the four global
 * pools, and LayerNorm on 2-D and 3-D inputs with and without elementwise affine. Each layer's parameters are passed
 * as gradcheck inputs too (the layer reads the very same tensors), so the weight and bias gradients are checked along
 * with the input's.
 */
import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../lib/gradcheck.js';
import {
  AvgPool1d,
  Conv1d,
  GlobalAvgPool1d,
  GlobalAvgPool2d,
  GlobalMaxPool1d,
  GlobalMaxPool2d,
  LayerNorm,
  MaxPool1d,
  type Layer,
} from '../../lib/layers/index.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { Random } from '../../lib/random.js';
import { Tensor } from '../../lib/tensor.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/random.js';

function input(seed: number, shape: number[]): Tensor {
  return new Tensor(new Rng(seed).floats(shape.reduce((a, b) => a * b, 1)), shape, { requiresGrad: true });
}

/** Distinct values 0.05 apart in shuffled order: no two values of a window within gradcheck's step, so no max switches. */
function distinctInput(seed: number, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return new Tensor(Float32Array.from(values), shape, { requiresGrad: true });
}

function check(layer: Layer, x: Tensor): void {
  const report = gradcheck((t) => layer.forward(t), [x, ...layer.parameters()]);
  expect(report.checked).toBe(x.size + layer.parameters().reduce((n, p) => n + p.size, 0));
  expect(report.ok, JSON.stringify(report)).toBe(true);
}

describe.each(backends.map((b) => [b.name, b] as const))('gradcheck on the sequence layers (%s)', (_name, backend) => {
  it('Conv1d(3, 4, 3, stride 2, padding 1): input, weight and bias', () => {
    withBackend(backend, () => check(new Conv1d(3, 4, 3, { stride: 2, padding: 1, rng: new Random(1) }), input(1, [2, 3, 9])));
  });

  it('Conv1d(2, 3, 4, stride 3, padding 2, dilation 2) without bias', () => {
    withBackend(backend, () =>
      check(new Conv1d(2, 3, 4, { stride: 3, padding: 2, dilation: 2, bias: false, rng: new Random(2) }), input(2, [3, 2, 11])),
    );
  });

  it('MaxPool1d(3, stride 2, padding 1) and AvgPool1d(4, stride 3, padding 2)', () => {
    withBackend(backend, () => {
      check(new MaxPool1d(3, { stride: 2, padding: 1 }), distinctInput(3, [2, 3, 10]));
      check(new AvgPool1d(4, { stride: 3, padding: 2 }), input(4, [2, 3, 10]));
    });
  });

  it('GlobalAvgPool1d, GlobalMaxPool1d on [2, 3, 7]; GlobalAvgPool2d, GlobalMaxPool2d on [2, 3, 3, 5]', () => {
    withBackend(backend, () => {
      check(new GlobalAvgPool1d(), input(5, [2, 3, 7]));
      check(new GlobalMaxPool1d(), distinctInput(6, [2, 3, 7]));
      check(new GlobalAvgPool2d(), input(7, [2, 3, 3, 5]));
      check(new GlobalMaxPool2d(), distinctInput(8, [2, 3, 3, 5]));
    });
  });

  it('LayerNorm(7) on [3, 7] and [2, 5, 7] with a random weight and bias, and without elementwise affine', () => {
    withBackend(backend, () => {
      const affine = new LayerNorm(7);
      const r = new Rng(9);
      affine.weight!.data.set(r.floats(7));
      affine.bias!.data.set(r.floats(7));
      check(affine, input(10, [3, 7]));
      check(affine, input(11, [2, 5, 7]));
      check(new LayerNorm(7, { elementwiseAffine: false, eps: 1e-3 }), input(12, [2, 5, 7]));
    });
  });
});
