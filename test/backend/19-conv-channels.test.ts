/**
 * The channel convolution kernels (native/conv-channels.h): stride 1, dilation 1, at least 8 output channels and small
 * per-image products take them for the forward pass and the weight gradient; the input gradient takes the row kernel
 * when input rows have at most 32 pixels and every weight is finite. Against float64 sums of the definitions, on both
 * backends (the js backend is the specification): LeNet's second layer, one and two 16-channel blocks (the second
 * partly used), output rows split into blocks with a short last one, windows wider than a block of taps, input rows
 * of one and two vectors, input channels in blocks with a short last one; and their NaN and infinity behaviour
 * against the js backend.
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { conv64, convInputGrad64, convWeightGrad64, type Geometry, out } from '../helpers/conv64.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

type Shape = Omit<Geometry, 'stride' | 'dilation'>;
const geometry = (s: Shape): Geometry => ({ ...s, stride: 1, dilation: 1 });
const label = (s: Shape) => `${s.C}×${s.H}×${s.W} → ${s.O}, ${s.kh}×${s.kw}, pad ${s.pad}`;

// Layers with at most 64 taps, kw <= 8 and output rows of at most 32 take the row kernels (conv-direct.h) forward: every
// shape here has more taps, a wider window or longer rows.
const shapes: Shape[] = [
  { N: 3, C: 6, H: 14, W: 14, O: 16, kh: 5, kw: 5, pad: 0 }, // LeNet's second layer
  { N: 2, C: 8, H: 9, W: 9, O: 8, kh: 3, kw: 3, pad: 1 }, // 8 channels (the fewest), a row of 9 outputs
  { N: 2, C: 5, H: 7, W: 13, O: 17, kh: 2, kw: 7, pad: 3 }, // a second channel block with 1 channel; kw 7
  { N: 1, C: 23, H: 3, W: 20, O: 24, kh: 3, kw: 1, pad: 2 }, // input rows of 2 vectors, 23 input channels in blocks of 3
  { N: 2, C: 65, H: 6, W: 32, O: 9, kh: 1, kw: 1, pad: 0 }, // input rows of 2 full vectors
  { N: 1, C: 1, H: 3, W: 40, O: 12, kh: 3, kw: 3, pad: 1 }, // input rows past 32: dX by im2col; output rows of 40
  { N: 2, C: 2, H: 4, W: 15, O: 8, kh: 1, kw: 13, pad: 0 }, // a window wider than a block of 12 taps
  { N: 9, C: 5, H: 6, W: 6, O: 10, kh: 4, kw: 4, pad: 2 }, // 9 images: two partial sums of dWeight
];

function run(be: ReturnType<typeof getBackend>, s: Shape, x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array, beta = 0) {
  const OH = out(s.H, s.kh, 1, s.pad),
    OW = out(s.W, s.kw, 1, s.pad);
  const cols = new Float32Array(s.C * s.kh * s.kw * OH * OW);
  const y = new Float32Array(s.N * s.O * OH * OW).fill(Number.NaN);
  be.conv2dForward(s.N, s.C, s.H, s.W, s.O, s.kh, s.kw, 1, s.pad, 1, x, w, b, cols, y);
  const dW = new Float32Array(w.length).fill(beta === 0 ? Number.NaN : 0.5),
    dB = new Float32Array(s.O).fill(beta === 0 ? Number.NaN : 0.5),
    dX = new Float32Array(x.length).fill(Number.NaN);
  be.conv2dBackward(s.N, s.C, s.H, s.W, s.O, s.kh, s.kw, 1, s.pad, 1, x, w, dy, cols, beta, dW, dB, dX);
  return { y, dW, dB, dX };
}

function data(s: Shape, seed: number) {
  const rng = new Rng(seed);
  const OH = out(s.H, s.kh, 1, s.pad),
    OW = out(s.W, s.kw, 1, s.pad);
  return {
    x: rng.floats(s.N * s.C * s.H * s.W),
    w: rng.floats(s.O * s.C * s.kh * s.kw),
    b: rng.floats(s.O),
    dy: rng.floats(s.N * s.O * OH * OW),
  };
}

describe.each(backends)('channel convolution shapes ($name)', (be) => {
  it.each(shapes.map((s) => [label(s), s] as const))('%s: y, dW, dB and dX match their float64 definitions', (_label, s) => {
    const { x, w, b, dy } = data(s, s.O * 100 + s.W);
    const r = run(be, s, x, w, b, dy);
    const g = geometry(s);
    const y64 = conv64(g, x, w, b),
      dW64 = convWeightGrad64(g, x, dy),
      dX64 = convInputGrad64(g, w, dy);
    const P = dy.length / (s.N * s.O);
    const dB64 = Float64Array.from({ length: s.O }, (_, o) => {
      let t = 0;
      for (let n = 0; n < s.N; n++) for (let p = 0; p < P; p++) t += dy[(n * s.O + o) * P + p];
      return t;
    });
    expectClose(r.y, y64, normwise(y64), 'y');
    expectClose(r.dW, dW64, normwise(dW64), 'dW');
    expectClose(r.dB, dB64, normwise(dB64), 'dB');
    expectClose(r.dX, dX64, normwise(dX64), 'dX');
  });

  it('beta = 1 adds the weight gradient to the one there', () => {
    const s = shapes[0];
    const { x, w, b, dy } = data(s, 5);
    const r = run(be, s, x, w, b, dy, 1);
    const dW64 = convWeightGrad64(geometry(s), x, dy).map((v) => v + 0.5);
    expectClose(r.dW, dW64, normwise(dW64), 'dW');
  });
});

describe('channel convolution: NaN and infinity as on the js backend', () => {
  const s = shapes[2]; // padding 3: windows and dY rows reach into the padding
  const finite = (a: Float32Array) => Array.from(a, Number.isFinite);
  const both = (edit: (d: ReturnType<typeof data>) => void) => {
    const d = data(s, 11);
    edit(d);
    return (['js', 'native'] as const).map((name) => run(getBackend(name), s, d.x, d.w, d.b, d.dy));
  };
  it.each([
    ['an infinite pixel', (d: ReturnType<typeof data>) => (d.x[2 * s.W + 5] = Number.POSITIVE_INFINITY)],
    ['a NaN pixel at the edge', (d: ReturnType<typeof data>) => (d.x[s.W - 1] = Number.NaN)],
    ['an infinite dY', (d: ReturnType<typeof data>) => (d.dy[7] = Number.NEGATIVE_INFINITY)],
    // An infinite weight: dX leaves the row kernel, which would add ∞·0 for the input pixels right of column 9, where
    // tap j = 0 reads dY past its last column (no output there reads those pixels through that tap).
    ['an infinite weight', (d: ReturnType<typeof data>) => (d.w[0] = Number.POSITIVE_INFINITY)],
  ])('%s reaches the same outputs', (_name, edit) => {
    const [js, native] = both(edit);
    const outputs = ['y', 'dW', 'dB', 'dX'] as const;
    for (const k of outputs) expect(finite(native[k]), k).toEqual(finite(js[k]));
    expect(outputs.some((k) => finite(native[k]).includes(false))).toBe(true);
  });
});
