/**
 * The Conv2d and MaxPool2d layers against PyTorch (test/fixtures/reference/conv.json) through the public graph:
 * forward, backward from the reference's upstream gradient, and the gradients of the input, the weight
 * (stored [O, C, kh, kw] as PyTorch does, so the reference weights load unchanged) and the bias, on every backend.
 */
import { describe, expect, it } from 'vitest';
import { Conv2d, MaxPool2d, Sequential } from '../../lib/layers/index.js';
import { tensor } from '../../lib/tensor.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { reference } from '../helpers/reference.js';
import { normwise } from '../helpers/tolerances.js';

interface ConvCase {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  k: number;
  stride: number;
  pad: number;
  x: number[];
  w: number[];
  b: number[];
  y_shape: number[];
  y: number[];
  g: number[];
  dx: number[];
  dw: number[];
  db: number[];
}
interface ConvRef {
  conv2d: ConvCase[];
  maxpool2x2: { x_shape: number[]; x: number[]; y_shape: number[]; y: number[]; g: number[]; dx: number[] };
}

describe.each(backends.map((b) => [b.name, b] as const))('convolution layers against PyTorch on %s', (_name, backend) => {
  const ref = reference<ConvRef>('conv');

  for (const c of ref.conv2d) {
    it(`Conv2d(${c.C}, ${c.O}, ${c.k}, stride ${c.stride}, padding ${c.pad}): output and the input, weight and bias gradients`, () => {
      withBackend(backend, () => {
        const layer = new Conv2d(c.C, c.O, c.k, { stride: c.stride, padding: c.pad });
        new Sequential([layer]).setWeights([Float32Array.from(c.w), Float32Array.from(c.b)]);
        for (const reuse of [false, true, true]) {
          layer.weight.grad = null;
          layer.bias!.grad = null;
          const x = tensor(c.x, [c.N, c.C, c.H, c.W], { requiresGrad: true });
          const y = layer.forward(x, { reuse });
          expect(y.shape).toEqual(c.y_shape);
          expectClose(y.data, c.y, normwise(c.y), `y (reuse ${reuse})`);
          y.backward(Float32Array.from(c.g));
          expectClose(x.grad!, c.dx, normwise(c.dx), `dx (reuse ${reuse})`);
          expectClose(layer.weight.grad!, c.dw, normwise(c.dw), `dweight (reuse ${reuse})`);
          expectClose(layer.bias!.grad!, c.db, normwise(c.db), `dbias (reuse ${reuse})`);
        }
      });
    });
  }

  it('MaxPool2d(2): output and input gradient', () => {
    const p = ref.maxpool2x2;
    withBackend(backend, () => {
      const x = tensor(p.x, p.x_shape, { requiresGrad: true });
      const y = new MaxPool2d(2).forward(x);
      expect(y.shape).toEqual(p.y_shape);
      expectClose(y.data, p.y, { rtol: 0 }, 'y');
      y.backward(Float32Array.from(p.g));
      expectClose(x.grad!, p.dx, { rtol: 0 }, 'dx');
    });
  });

  it('gradients accumulate across backward calls, also when the weight and the bias are in different states', () => {
    const c = ref.conv2d[0];
    withBackend(backend, () => {
      const layer = new Conv2d(c.C, c.O, c.k, { stride: c.stride, padding: c.pad });
      new Sequential([layer]).setWeights([Float32Array.from(c.w), Float32Array.from(c.b)]);
      const x = tensor(c.x, [c.N, c.C, c.H, c.W]);
      const times = (k: number, v: number[]) => v.map((e) => k * e);
      for (let i = 0; i < 2; i++) layer.forward(x).backward(Float32Array.from(c.g));
      expectClose(layer.weight.grad!, times(2, c.dw), normwise(c.dw), 'dweight twice');
      expectClose(layer.bias!.grad!, times(2, c.db), normwise(c.db), 'dbias twice');
      // Weight accumulating, bias fresh: the kernel's single beta cannot serve both.
      layer.bias!.grad = null;
      layer.forward(x).backward(Float32Array.from(c.g));
      expectClose(layer.weight.grad!, times(3, c.dw), normwise(c.dw), 'dweight three times');
      expectClose(layer.bias!.grad!, c.db, normwise(c.db), 'dbias fresh');
      // Weight fresh, bias accumulating.
      layer.weight.grad = null;
      layer.forward(x).backward(Float32Array.from(c.g));
      expectClose(layer.weight.grad!, c.dw, normwise(c.dw), 'dweight fresh');
      expectClose(layer.bias!.grad!, times(2, c.db), normwise(c.db), 'dbias accumulated');
      // A frozen bias gets no gradient.
      layer.bias!.requiresGrad = false;
      layer.bias!.grad = null;
      layer.forward(x).backward(Float32Array.from(c.g));
      expectClose(layer.weight.grad!, times(2, c.dw), normwise(c.dw), 'dweight with a frozen bias');
      expect(layer.bias!.grad).toBeNull();
    });
  });
});
