/**
 * The convolution layers as a user meets them: shape inference through Sequential (a wrong input is an error naming
 * the layer, before any work), PyTorch's initialization, argument checks, configs that rebuild the layer, and a
 * small CNN that learns, on every backend. LeNet-5 itself is the example's model (examples/lenet.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Flatten,
  MaxPool2d,
  ReLU,
  Sequential,
  Tensor,
  crossEntropyLoss,
  withBackend,
} from '../../lib/index.js';
import { layerFromConfig } from '../../lib/layers/registry.js';
import { lenet } from '../../examples/lenet.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

describe('convolution layers: shapes, initialization, configs', () => {
  it("LeNet-5 infers [1, 28, 28] → [10] with PyTorch's 61,706 parameters", () => {
    const model = lenet();
    expect(model.outputShape([1, 28, 28])).toEqual([10]);
    expect(model.parameterCount()).toBe(61706);
    // Layer by layer, each layer's output shape is the next one's input.
    const shapes: number[][] = [];
    model.layers.reduce<number[]>(
      (shape, l) => {
        const out = l.outputShape(shape);
        shapes.push(out);
        return out;
      },
      [1, 28, 28],
    );
    expect(shapes).toEqual([[6, 28, 28], [6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 10, 10], [16, 5, 5], [400], [120], [84], [10]]);
    const summary = model.summary([1, 28, 28]);
    expect(summary).toMatch(/\[batch, 6, 28, 28\]/);
    expect(summary).toMatch(/\[batch, 16, 5, 5\]/);
    expect(summary).toMatch(/\[batch, 400\]/);
    expect(
      model
        .namedParameters()
        .map(([n]) => n)
        .slice(0, 4),
    ).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    expect(model.namedParameters()[0][1].shape).toEqual([6, 1, 5, 5]);
  });

  it('a wrong input shape fails naming the layer, before any layer runs', () => {
    const bn = new BatchNorm2d(6);
    const conv = new Conv2d(1, 6, 5, { padding: 2 });
    const dense = new Dense(6 * 14 * 14, 10);
    const model = new Sequential([conv, bn, new ReLU(), new MaxPool2d(2), new Flatten(), dense]);
    expectError(
      () => model.forward(new Tensor(new Float32Array(2 * 3 * 28 * 28), [2, 3, 28, 28])),
      'ERR_SHAPE',
      new RegExp(`${conv.name}: expected input \\[batch, 1, height, width\\], got \\[batch, 3, 28, 28\\]`),
    );
    // 32×32 images pass the convolution but not the dense layer: still refused before the batch norm updates its statistics.
    expectError(() => model.forward(new Tensor(new Float32Array(2 * 32 * 32), [2, 1, 32, 32])), 'ERR_SHAPE', new RegExp(dense.name));
    expect(Array.from(bn.running.mean)).toEqual(new Array(6).fill(0));
    expectError(() => new Conv2d(1, 2, 7).outputShape([1, 5, 9]), 'ERR_SHAPE', /does not fit a 5×9 input/);
    expectError(() => new MaxPool2d(2).outputShape([4, 4]), 'ERR_SHAPE', /maxpool2d_\d+: expected input/);
    expectError(() => new BatchNorm2d(3).outputShape([3, 4]), 'ERR_SHAPE', /batchnorm2d_\d+/);
  });

  it("output sizes follow PyTorch's formula (stride, padding, dilation, rectangular kernels)", () => {
    expect(new Conv2d(3, 8, 3, { stride: 2, padding: 1 }).outputShape([3, 3, 5])).toEqual([8, 2, 3]);
    expect(new Conv2d(3, 8, [2, 4], { dilation: 2 }).outputShape([3, 9, 9])).toEqual([8, 7, 3]);
    expect(new MaxPool2d(3, { stride: 2, padding: 1 }).outputShape([2, 7, 5])).toEqual([2, 4, 3]);
    expect(new AvgPool2d(2).outputShape([2, 7, 5])).toEqual([2, 3, 2]);
  });

  it("Conv2d starts as PyTorch's does: weight and bias uniform in ±1/√(C·kh·kw)", () => {
    const conv = new Conv2d(6, 16, 5);
    const bound = 1 / Math.sqrt(6 * 25);
    for (const t of [conv.weight, conv.bias!]) {
      const max = Math.max(...Array.from(t.data, Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.8 * bound);
    }
    expect(conv.regularizedWeights()).toEqual([conv.weight]);
    expect(new Conv2d(1, 2, 3, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('bad constructor arguments are ERR_INVALID_ARG naming the layer and the argument', () => {
    expectError(() => new Conv2d(0, 4, 3), 'ERR_INVALID_ARG', /conv2d_\d+: inChannels must be an integer >= 1, got 0/);
    expectError(() => new Conv2d(1, 4, 3, { stride: 0 }), 'ERR_INVALID_ARG', /stride/);
    expectError(() => new Conv2d(1, 4, 3, { padding: -1 }), 'ERR_INVALID_ARG', /padding/);
    expectError(() => new Conv2d(1, 4, [3, 1.5]), 'ERR_INVALID_ARG', /kernelSize/);
    expectError(() => new MaxPool2d(2, { padding: 2 }), 'ERR_INVALID_ARG', /at most half/);
    expectError(() => new AvgPool2d(0), 'ERR_INVALID_ARG', /kernelSize/);
  });

  it('getConfig rebuilds each layer through the registry', () => {
    const layers = [
      new Conv2d(3, 8, [3, 5], { stride: 2, padding: 1, dilation: 2, bias: false }),
      new MaxPool2d(3, { stride: 2, padding: 1 }),
      new AvgPool2d(2),
      new BatchNorm2d(8, { eps: 1e-3, momentum: 0.2 }),
    ];
    for (const layer of layers) {
      const config = layer.getConfig();
      const rebuilt = layerFromConfig(JSON.parse(JSON.stringify({ ...config, name: undefined })));
      expect(rebuilt.type).toBe(layer.type);
      expect({ ...rebuilt.getConfig(), name: undefined }).toEqual({ ...config, name: undefined });
      expect(rebuilt.outputShape([3, 11, 11].map((d, i) => (i === 0 && layer.type === 'BatchNorm2d' ? 8 : d)))).toEqual(
        layer.outputShape([3, 11, 11].map((d, i) => (i === 0 && layer.type === 'BatchNorm2d' ? 8 : d))),
      );
    }
    expectError(() => layerFromConfig({ type: 'Conv2d', inChannels: 1, outChannels: 2 }), 'ERR_INVALID_ARG', /kernelSize/);
    expectError(() => layerFromConfig({ type: 'MaxPool2d', kernelSize: 2, strides: 2 }), 'ERR_INVALID_ARG', /unknown key "strides"/);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('a small CNN learns on %s', (_name, backend) => {
  it('bright blob left or right: conv → batch norm → relu → max pool → dense reaches a low loss in 40 Adam steps', () => {
    // 64 images 1×8×8 of noise with a bright 2×2 blob in the left (class 0) or right (class 1) half.
    const rng = new Rng(9);
    const n = 64,
      x = new Float32Array(n * 64),
      y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let p = 0; p < 64; p++) x[i * 64 + p] = 0.1 * rng.normal();
      const r = rng.int(7),
        c = (y[i] === 0 ? 0 : 4) + rng.int(3);
      for (const [dr, dc] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ])
        x[i * 64 + (r + dr) * 8 + c + dc] += 1;
    }
    withBackend(backend, () => {
      const model = new Sequential([
        new Conv2d(1, 4, 3, { padding: 1 }),
        new BatchNorm2d(4),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Dense(64, 2),
      ]);
      const optimizer = new Adam(model.parameters(), { lr: 0.02, backend });
      const xs = new Tensor(x, [n, 1, 8, 8]);
      let first = NaN,
        last = NaN;
      for (let step = 0; step < 40; step++) {
        model.zeroGrad();
        const loss = crossEntropyLoss(model.forward(xs, { reuse: true }), y);
        if (step === 0) first = loss.item();
        last = loss.item();
        loss.backward();
        optimizer.step();
      }
      expect(first).toBeGreaterThan(0.5);
      expect(last).toBeLessThan(0.1);
    });
  });
});
