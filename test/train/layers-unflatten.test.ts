/**
 * Unflatten ([batch, n] → [batch, ...shape], Flatten's inverse): what lets a convolutional model take the flat rows
 * the CLI reads (the `--model lenet` preset starts with Unflatten([1, 28, 28])). Shapes, the same numbers as the
 * model fed images directly, gradients back to the rows, configs, and errors naming the layer.
 */
import { describe, expect, it } from 'vitest';
import { Conv2d, Dense, Flatten, MaxPool2d, ReLU, Sequential, Unflatten } from '../../lib/layers/index.js';
import { layerFromConfig } from '../../lib/layers/registry.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { manualSeed } from '../../lib/random.js';
import { randn, Tensor, tensor } from '../../lib/tensor.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

describe('Unflatten: shapes, configs, errors', () => {
  it('views [batch, 784] as [batch, 1, 28, 28] and infers shapes through a Sequential', () => {
    const layer = new Unflatten([1, 28, 28]);
    expect(layer.outputShape([784])).toEqual([1, 28, 28]);
    const model = new Sequential([layer, new Conv2d(1, 2, 5), new Flatten(), new Dense(2 * 24 * 24, 3)]);
    expect(model.outputShape([784])).toEqual([3]);
  });

  it('getConfig → JSON → layerFromConfig rebuilds it', () => {
    const layer = new Unflatten([2, 3, 4], { name: 'view' });
    const config = JSON.parse(JSON.stringify(layer.getConfig()));
    expect(config).toEqual({ type: 'Unflatten', name: 'view', shape: [2, 3, 4] });
    const rebuilt = layerFromConfig(config);
    expect(rebuilt).toBeInstanceOf(Unflatten);
    expect(rebuilt.getConfig()).toEqual(layer.getConfig());
  });

  it('a wrong input names the layer and the shape it takes; bad shapes and configs are refused', () => {
    const model = new Sequential([new Unflatten([1, 28, 28], { name: 'img' })]);
    expectError(() => model.outputShape([780]), 'ERR_SHAPE', /img: expected input of shape \[batch, 784\].*got \[batch, 780\]/);
    expectError(() => model.outputShape([1, 28, 28]), 'ERR_SHAPE', /img: expected input of shape \[batch, 784\]/);
    expectError(() => new Unflatten([]), 'ERR_INVALID_ARG', /Unflatten: shape must be a non-empty array/);
    expectError(() => new Unflatten([1, 0, 28]), 'ERR_INVALID_ARG', /Unflatten: shape\[1\] must be a positive integer/);
    expectError(() => layerFromConfig({ type: 'Unflatten' }), 'ERR_INVALID_ARG', /\(Unflatten\): "shape" is missing/);
    expectError(() => layerFromConfig({ type: 'Unflatten', shape: [1, 28, 28], dim: 1 }), 'ERR_INVALID_ARG', /unknown key "dim"/);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('Unflatten on %s', (_name, backend) => {
  it('Unflatten + a CNN on flat rows gives exactly the CNN on the same memory as images', () => {
    withBackend(backend, () => {
      manualSeed(3);
      const cnn = new Sequential([new Conv2d(1, 3, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(48, 4)]);
      const flat = new Sequential([new Unflatten([1, 8, 8]), ...cnn.layers]);
      const x = randn([5, 64]);
      const viaRows = flat.forward(x);
      const viaImages = cnn.forward(new Tensor(x.data, [5, 1, 8, 8]));
      expect(viaRows.shape).toEqual([5, 4]);
      expect(Array.from(viaRows.data)).toEqual(Array.from(viaImages.data));
    });
  });

  it('gradients flow back to the flat input, in its shape', () => {
    withBackend(backend, () => {
      const model = new Sequential([new Unflatten([1, 2, 2]), new Flatten(), new Dense(4, 1)]);
      const x = tensor([1, -2, 3, -4], [1, 4], { requiresGrad: true });
      const w = (model.layers[2] as Dense).weight.data;
      model.forward(x).backward();
      expect(x.grad!.length).toBe(4);
      expect(Array.from(x.grad!)).toEqual(Array.from(w));
    });
  });
});
