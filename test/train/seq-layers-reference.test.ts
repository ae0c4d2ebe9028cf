/**
 * The sequence layers against PyTorch through the public graph, on every backend: Conv1d (test/fixtures/reference/
 * conv1d.json: stride, padding, dilation), LayerNorm on 2-D and 3-D inputs (layernorm.json, and seq_layers.json
 * without elementwise affine), MaxPool1d / AvgPool1d (NaN included) and the four global pools (seq_layers.json, made
 * by seq_layers.py beside it): forward, and every gradient from the reference's upstream gradient. Each layer runs
 * three times (fresh, then reusing its buffers twice), as a training loop runs it.
 */
import { describe, expect, it } from 'vitest';
import {
  AvgPool1d,
  Conv1d,
  GlobalAvgPool1d,
  GlobalAvgPool2d,
  GlobalMaxPool1d,
  GlobalMaxPool2d,
  LayerNorm,
  MaxPool1d,
  Sequential,
  type Layer,
} from '../../lib/layers/index.js';
import { withBackend } from '../../lib/ops/current-backend.js';
import { tensor } from '../../lib/tensor.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { reference } from '../helpers/reference.js';
import { normwise } from '../helpers/tolerances.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
const nums = (xs: Num[]) => xs.map((v) => (typeof v === 'number' ? v : Number(v)));

interface Conv1dCase {
  N: number;
  C: number;
  L: number;
  O: number;
  k: number;
  stride: number;
  pad: number;
  dilation: number;
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
interface LayerNormCase {
  shape: number[];
  eps: number;
  x: number[];
  gamma: number[];
  beta: number[];
  y: number[];
  g: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
}
interface FwdBwd {
  x_shape: number[];
  x: Num[];
  y_shape: number[];
  y: Num[];
  g: number[];
  dx: number[];
}
interface SeqRef {
  pools: (FwdBwd & { kind: 'max' | 'avg'; k: number; stride: number; pad: number; nan?: boolean })[];
  global: (FwdBwd & { layer: string; nan?: boolean })[];
  layernorm: (FwdBwd & { eps: number; elementwiseAffine: boolean })[];
}

/** Forward and backward three times (fresh, then in reuse mode twice); checks y and dx, then `more` (parameter grads). */
function checkLayer(layer: Layer, c: FwdBwd, more: () => void = () => {}): void {
  for (const reuse of [false, true, true]) {
    for (const p of layer.parameters()) p.grad = null;
    const x = tensor(nums(c.x), c.x_shape, { requiresGrad: true });
    const y = layer.forward(x, { reuse });
    expect(y.shape).toEqual(c.y_shape);
    const wantY = nums(c.y);
    expectClose(y.data, wantY, normwise(wantY.filter(Number.isFinite)), `y (reuse ${reuse})`);
    y.backward(Float32Array.from(c.g));
    expectClose(x.grad!, c.dx, normwise(c.dx), `dx (reuse ${reuse})`);
    more();
  }
}

describe.each(backends.map((b) => [b.name, b] as const))('sequence layers against PyTorch on %s', (_name, backend) => {
  for (const c of reference<{ cases: Conv1dCase[] }>('conv1d').cases) {
    it(`Conv1d(${c.C}, ${c.O}, ${c.k}, stride ${c.stride}, padding ${c.pad}, dilation ${c.dilation}): y, dx, dweight, dbias`, () => {
      withBackend(backend, () => {
        const layer = new Conv1d(c.C, c.O, c.k, { stride: c.stride, padding: c.pad, dilation: c.dilation });
        new Sequential([layer]).setWeights([Float32Array.from(c.w), Float32Array.from(c.b)]);
        checkLayer(layer, { x_shape: [c.N, c.C, c.L], x: c.x, y_shape: c.y_shape, y: c.y, g: c.g, dx: c.dx }, () => {
          expectClose(layer.weight.grad!, c.dw, normwise(c.dw), 'dweight');
          expectClose(layer.bias!.grad!, c.db, normwise(c.db), 'dbias');
        });
      });
    });
  }

  for (const c of reference<{ cases: LayerNormCase[] }>('layernorm').cases) {
    it(`LayerNorm(${c.shape.at(-1)}) on ${JSON.stringify(c.shape)}: y, dx, dweight, dbias`, () => {
      withBackend(backend, () => {
        const layer = new LayerNorm(c.shape.at(-1)!, { eps: c.eps });
        new Sequential([layer]).setWeights([Float32Array.from(c.gamma), Float32Array.from(c.beta)]);
        checkLayer(layer, { x_shape: c.shape, x: c.x, y_shape: c.shape, y: c.y, g: c.g, dx: c.dx }, () => {
          expectClose(layer.weight!.grad!, c.dgamma, normwise(c.dgamma), 'dweight');
          expectClose(layer.bias!.grad!, c.dbeta, normwise(c.dbeta), 'dbias');
        });
      });
    });
  }

  const seq = reference<SeqRef>('seq_layers');
  for (const c of seq.layernorm) {
    it(`LayerNorm(${c.x_shape.at(-1)}, eps ${c.eps}) without elementwise affine on ${JSON.stringify(c.x_shape)}`, () => {
      withBackend(backend, () => {
        const layer = new LayerNorm(c.x_shape.at(-1)!, { eps: c.eps, elementwiseAffine: false });
        expect(layer.parameters()).toEqual([]);
        checkLayer(layer, c);
      });
    });
  }

  for (const c of seq.pools) {
    const layer = c.kind === 'max' ? 'MaxPool1d' : 'AvgPool1d';
    const name = `${layer}(${c.k}, stride ${c.stride}, padding ${c.pad}) on ${JSON.stringify(c.x_shape)}`;
    it(`${name}${c.nan ? ' with NaN (propagated, as PyTorch)' : ''}`, () => {
      withBackend(backend, () => {
        const Cls = c.kind === 'max' ? MaxPool1d : AvgPool1d;
        checkLayer(new Cls(c.k, { stride: c.stride, padding: c.pad }), c);
      });
    });
  }

  const globals: Record<string, () => Layer> = {
    GlobalAvgPool1d: () => new GlobalAvgPool1d(),
    GlobalMaxPool1d: () => new GlobalMaxPool1d(),
    GlobalAvgPool2d: () => new GlobalAvgPool2d(),
    GlobalMaxPool2d: () => new GlobalMaxPool2d(),
  };
  for (const c of seq.global) {
    it(`${c.layer} on ${JSON.stringify(c.x_shape)}${c.nan ? ' with NaN' : ''}: [N, C] like adaptive pooling to 1`, () => {
      withBackend(backend, () => checkLayer(globals[c.layer](), c));
    });
  }
});
