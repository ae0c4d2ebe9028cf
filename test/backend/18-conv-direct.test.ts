/**
 * The direct convolution kernels (native/conv-direct.h: stride 1, dilation 1, at most 64 taps, kw <= 8, output rows of
 * at most 32 pixels), which serve the forward pass of such layers and the weight gradient of a first layer (no dX).
 * Against float64 sums of their definitions, on both backends (the js backend is the specification), for every
 * number of 8-wide vectors per row (OW from 1 to 32), window widths the kernels unroll (3, 5) and others, several
 * input channels and paddings; and the NaN behaviour of the masked last vector.
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { conv64, convWeightGrad64, type Geometry, out } from '../helpers/conv64.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

/** A stride-1, undilated window: the only kind the direct kernels take. */
type Shape = Omit<Geometry, 'stride' | 'dilation'>;
const geometry = (s: Shape): Geometry => ({ ...s, stride: 1, dilation: 1 });
const outSize = (size: number, k: number, pad: number) => out(size, k, 1, pad);

const shapes: Shape[] = [
  { N: 3, C: 1, H: 28, W: 28, O: 6, kh: 5, kw: 5, pad: 2 }, // LeNet's first layer: OW 28, 4 vectors, the last half used
  { N: 2, C: 1, H: 4, W: 1, O: 4, kh: 3, kw: 1, pad: 1 }, // OW 1: one vector, one lane used
  { N: 2, C: 2, H: 9, W: 10, O: 7, kh: 3, kw: 3, pad: 0 }, // OW 8: one full vector; 7 channels, a block of 1 left
  { N: 1, C: 3, H: 6, W: 19, O: 2, kh: 2, kw: 4, pad: 1 }, // OW 18: 3 vectors; kw 4 (not unrolled)
  { N: 2, C: 1, H: 7, W: 30, O: 5, kh: 4, kw: 7, pad: 3 }, // OW 30; kw 7
  { N: 1, C: 2, H: 5, W: 36, O: 3, kh: 5, kw: 5, pad: 0 }, // OW 32: 4 full vectors
];

describe.each(backends)('direct convolution shapes ($name)', (be) => {
  it.each(shapes.map((s) => [`${s.C}×${s.H}×${s.W} → ${s.O}, ${s.kh}×${s.kw}, pad ${s.pad}`, s] as const))(
    '%s: forward and the weight gradient without dX match their float64 definitions',
    (_label, s) => {
      const rng = new Rng(s.W * 100 + s.kw);
      const OH = outSize(s.H, s.kh, s.pad),
        OW = outSize(s.W, s.kw, s.pad);
      const x = rng.floats(s.N * s.C * s.H * s.W),
        w = rng.floats(s.O * s.C * s.kh * s.kw),
        b = rng.floats(s.O),
        dy = rng.floats(s.N * s.O * OH * OW);
      const cols = new Float32Array(s.C * s.kh * s.kw * OH * OW);
      const y = new Float32Array(dy.length).fill(Number.NaN);
      be.conv2dForward(s.N, s.C, s.H, s.W, s.O, s.kh, s.kw, 1, s.pad, 1, x, w, b, cols, y);
      const dW = new Float32Array(w.length).fill(Number.NaN);
      be.conv2dBackward(s.N, s.C, s.H, s.W, s.O, s.kh, s.kw, 1, s.pad, 1, x, w, dy, cols, 0, dW, null, null);
      const y64 = conv64(geometry(s), x, w, b),
        dW64 = convWeightGrad64(geometry(s), x, dy);
      expectClose(y, y64, normwise(y64), 'y');
      expectClose(dW, dW64, normwise(dW64), 'dW');
    },
  );
});

describe('direct convolution: non-finite pixels', () => {
  it('an infinite pixel reaches only the weights whose windows hold it, as on the js backend (PyTorch’s rule)', () => {
    // OW = 23: the last vector's lane 7 is past the row; it reads pixel column 26 for tap j = 3, which no output of
    // tap 3 holds (ow ≤ 22 reads columns ≤ 25). Only taps j = 4 (ow = 22) and their rows may become non-finite.
    const s: Shape = { N: 1, C: 1, H: 6, W: 27, O: 2, kh: 2, kw: 5, pad: 0 };
    const OH = outSize(s.H, s.kh, s.pad),
      OW = outSize(s.W, s.kw, s.pad);
    const rng = new Rng(3);
    const x = rng.floats(s.H * s.W),
      w = rng.floats(s.O * s.kh * s.kw),
      dy = rng.floats(s.O * OH * OW);
    x[2 * s.W + 26] = Number.POSITIVE_INFINITY;
    const grads = ['js', 'native'].map((name) => {
      const be = getBackend(name as 'js' | 'native');
      const dW = new Float32Array(w.length);
      be.conv2dBackward(
        s.N,
        s.C,
        s.H,
        s.W,
        s.O,
        s.kh,
        s.kw,
        1,
        s.pad,
        1,
        x,
        w,
        dy,
        new Float32Array(s.kh * s.kw * OH * OW),
        0,
        dW,
        null,
        null,
      );
      return dW;
    });
    const finite = (a: Float32Array) => Array.from(a, Number.isFinite);
    expect(finite(grads[1])).toEqual(finite(grads[0]));
    for (let k = 0; k < w.length; k++) expect(Number.isFinite(grads[1][k]), `dW[${k}]`).toBe(k % s.kw !== 4);
  });
});
