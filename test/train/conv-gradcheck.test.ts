/**
 * gradcheck (lib/gradcheck.ts: float64 central differences) on the convolution family's layers with odd sizes:
 * a batch of 2 images of 3×5, stride 2 and padding 1, so windows hang over every edge unevenly. Each layer's
 * parameters are passed as gradcheck inputs too (the layer reads the very same tensors), so the weight, bias,
 * gamma and beta gradients are checked along with the input's.
 */
import { describe, expect, it } from 'vitest';
import { AvgPool2d, BatchNorm2d, Conv2d, Dense, Flatten, MaxPool2d, Sequential, Tanh } from '../../lib/layers/index.js';
import { gradcheck } from '../../lib/gradcheck.js';
import { Random } from '../../lib/random.js';
import { Tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import type { Layer } from '../../lib/layers/index.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/random.js';

const SHAPE = [2, 2, 3, 5]; // batch 2, 2 channels, 3×5 images

function input(seed: number, shape = SHAPE): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(rng.floats(n), shape, { requiresGrad: true });
}

/** Distinct values 0.05 apart in shuffled order: no two pixels of a window within gradcheck's step of each other, so no max switches. */
function distinctInput(seed: number): Tensor {
  const n = SHAPE.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.05);
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return new Tensor(Float32Array.from(values), SHAPE, { requiresGrad: true });
}

function check(layer: Layer, x: Tensor): void {
  const report = gradcheck((input) => layer.forward(input), [x, ...layer.parameters()]);
  expect(report.checked).toBe(x.size + layer.parameters().reduce((n, p) => n + p.size, 0));
  expect(report.ok, JSON.stringify(report)).toBe(true);
}

describe.each(backends.map((b) => [b.name, b] as const))('gradcheck on convolution layers (%s)', (_name, backend) => {
  it('Conv2d(2, 3, 3, stride 2, padding 1): input, weight and bias', () => {
    withBackend(backend, () => check(new Conv2d(2, 3, 3, { stride: 2, padding: 1, rng: new Random(1) }), input(1)));
  });

  it('Conv2d(2, 4, [2, 3], stride 2, padding 1, dilation 2) without bias', () => {
    withBackend(backend, () =>
      check(new Conv2d(2, 4, [2, 3], { stride: 2, padding: 1, dilation: 2, bias: false, rng: new Random(2) }), input(2)),
    );
  });

  it('MaxPool2d(3, stride 2, padding 1)', () => {
    withBackend(backend, () => check(new MaxPool2d(3, { stride: 2, padding: 1 }), distinctInput(3)));
  });

  it('AvgPool2d(3, stride 2, padding 1)', () => {
    withBackend(backend, () => check(new AvgPool2d(3, { stride: 2, padding: 1 }), input(4)));
  });

  it('BatchNorm2d(2) in training mode: input, gamma and beta', () => {
    withBackend(backend, () => {
      const bn = new BatchNorm2d(2);
      bn.weight.data.set([1.5, -0.7]);
      bn.bias.data.set([0.2, 0.4]);
      check(bn, input(5));
    });
  });

  it('a small CNN end to end: conv → tanh → avgpool → conv → flatten → dense', () => {
    withBackend(backend, () => {
      const rng = new Random(6);
      const model = new Sequential([
        new Conv2d(2, 3, 3, { stride: 2, padding: 1, rng }),
        new Tanh(),
        new AvgPool2d(2, { stride: 1, padding: 1 }),
        new Conv2d(3, 2, 2, { rng }),
        new Flatten(),
        new Dense(12, 3, { rng }),
      ]);
      expect(model.outputShape(SHAPE.slice(1))).toEqual([3]);
      check(model, input(6));
    });
  });
});
