/**
 * Convolution and pooling kernels on every backend: PyTorch's reference (test/fixtures/reference/conv.json:
 * two stride/padding settings forward and backward, 2×2 max pooling forward and backward), float64 direct
 * formulas for what the fixture does not cover (dilation, overlapping and padded pools, average pooling),
 * im2col/col2im as an adjoint pair, native against js on random shapes, and the argument checks.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/index.js';
import { loadAddon } from '../helpers/addon.js';
import { backendNames, backends, bothBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { conv64, type Geometry, out } from '../helpers/conv64.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';
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
interface PoolCase {
  x_shape: number[];
  x: number[];
  y_shape: number[];
  y: number[];
  g: number[];
  dx: number[];
}
interface ConvRef {
  conv2d: ConvCase[];
  maxpool2x2: PoolCase;
}

const F = (n: number) => new Float32Array(n);
const f32 = (xs: ArrayLike<number>) => Float32Array.from(xs as ArrayLike<number>);
/** Direct pooling in float64 (max, or average over k² with padding counted). */
function pool64(
  kind: 'max' | 'avg',
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  stride: number,
  pad: number,
  x: ArrayLike<number>,
): Float64Array {
  const OH = out(H, k, stride, pad),
    OW = out(W, k, stride, pad);
  const y = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let m = -Infinity,
          s = 0;
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const h = oh * stride - pad + i,
              w = ow * stride - pad + j;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const v = x[(p * H + h) * W + w];
            m = Math.max(m, v);
            s += v;
          }
        y[(p * OH + oh) * OW + ow] = kind === 'max' ? m : s / (k * k);
      }
  return y;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Forward and backward of a conv on one backend with fresh buffers. */
function runConv(
  be: Backend,
  g: Geometry,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
  dy: Float32Array,
  beta = 0,
  dW0?: Float32Array,
) {
  const OH = out(g.H, g.kh, g.stride, g.pad, g.dilation),
    OW = out(g.W, g.kw, g.stride, g.pad, g.dilation);
  const cols = F(g.C * g.kh * g.kw * OH * OW),
    y = F(g.N * g.O * OH * OW);
  be.conv2dForward(g.N, g.C, g.H, g.W, g.O, g.kh, g.kw, g.stride, g.pad, g.dilation, x, w, b, cols, y);
  const dW = dW0 ? dW0.slice() : F(w.length),
    dB = F(g.O),
    dX = F(x.length).fill(NaN);
  be.conv2dBackward(g.N, g.C, g.H, g.W, g.O, g.kh, g.kw, g.stride, g.pad, g.dilation, x, w, dy, cols, beta, dW, dB, dX);
  return { y, dW, dB, dX };
}

describe.each(backends)('convolution and pooling ($name)', (be) => {
  const ref = reference<ConvRef>('conv');

  it.each(ref.conv2d.map((c) => [`k=${c.k} stride=${c.stride} pad=${c.pad}`, c] as const))(
    'conv2d %s: forward and every gradient match PyTorch',
    (_label, c) => {
      const g: Geometry = { N: c.N, C: c.C, H: c.H, W: c.W, O: c.O, kh: c.k, kw: c.k, stride: c.stride, pad: c.pad, dilation: 1 };
      expect([c.N, c.O, out(c.H, c.k, c.stride, c.pad), out(c.W, c.k, c.stride, c.pad)]).toEqual(c.y_shape);
      const r = runConv(be, g, f32(c.x), f32(c.w), f32(c.b), f32(c.g));
      expectClose(r.y, c.y, normwise(c.y), 'y');
      expectClose(r.dX, c.dx, normwise(c.dx), 'dx');
      expectClose(r.dW, c.dw, normwise(c.dw), 'dw');
      expectClose(r.dB, c.db, normwise(c.db), 'db');
    },
  );

  it('conv2dForward adds the bias to the product rounded to float32, as PyTorch does (F.conv2d gives 1 here)', () => {
    // The 1×1 window's product 1 + 2^-30 rounds to 1; 1 + bias = 1 + 2^-24 is a tie that rounds to 1. Seeding the
    // bias into the sum instead would round 1 + 2^-24 + 2^-30 up to 1 + 2^-23 (as dense's test).
    const y = F(1).fill(NaN);
    be.conv2dForward(
      1,
      2,
      1,
      1,
      1,
      1,
      1,
      1,
      0,
      1,
      Float32Array.from([1, 2 ** -30]),
      Float32Array.from([1, 1]),
      Float32Array.from([2 ** -24]),
      F(2),
      y,
    );
    expect(y[0]).toBe(1);
  });

  it('2×2 max pooling: forward, argmax and backward match PyTorch', () => {
    const p = ref.maxpool2x2;
    const [N, C, H, W] = p.x_shape;
    const y = F(p.y.length),
      argmax = new Int32Array(p.y.length),
      dX = F(p.x.length).fill(NaN);
    be.maxPool2dForward(N, C, H, W, 2, 2, 0, f32(p.x), y, argmax);
    expectClose(y, p.y, { rtol: 0 }, 'y');
    be.maxPool2dBackward(N, C, H, W, 2, 2, 0, f32(p.g), argmax, dX);
    expectClose(dX, p.dx, { rtol: 0 }, 'dx');
  });

  it('beta = 1 accumulates dWeight and dBias; dBias and dX may be null', () => {
    const c = ref.conv2d[0];
    const g: Geometry = { N: c.N, C: c.C, H: c.H, W: c.W, O: c.O, kh: c.k, kw: c.k, stride: c.stride, pad: c.pad, dilation: 1 };
    const dW0 = new Rng(5).floats(c.w.length);
    const r = runConv(be, g, f32(c.x), f32(c.w), f32(c.b), f32(c.g), 1, dW0);
    expectClose(
      r.dW,
      Array.from(c.dw, (v, i) => v + dW0[i]),
      normwise(c.dw),
      'dW accumulated',
    );
    const cols = F(c.C * c.k * c.k * c.H * c.W),
      dW = F(c.w.length);
    be.conv2dBackward(c.N, c.C, c.H, c.W, c.O, c.k, c.k, c.stride, c.pad, 1, f32(c.x), f32(c.w), f32(c.g), cols, 0, dW, null, null);
    expectClose(dW, c.dw, normwise(c.dw), 'dW without dBias and dX');
  });

  it.each([
    // N, C, H, W, O, kh, kw, stride, pad, dilation: odd sizes, rectangular kernels, strides, padding, dilation.
    [2, 3, 5, 7, 4, 3, 2, 1, 0, 1],
    [1, 2, 9, 8, 3, 3, 3, 2, 1, 2],
    [3, 1, 6, 5, 2, 1, 1, 1, 0, 1],
    [2, 2, 7, 7, 5, 5, 5, 3, 2, 1],
    [1, 4, 4, 6, 3, 2, 3, 1, 3, 2],
  ])(
    'conv N=%i C=%i %i×%i → O=%i, %i×%i kernel, stride %i, pad %i, dilation %i: matches the float64 direct formula',
    (N, C, H, W, O, kh, kw, stride, pad, dilation) => {
      const g: Geometry = { N, C, H, W, O, kh, kw, stride, pad, dilation };
      const rng = new Rng(N * 1000 + C * 100 + H * 10 + W);
      const x = rng.floats(N * C * H * W),
        w = rng.floats(O * C * kh * kw),
        b = rng.floats(O);
      const P = out(H, kh, stride, pad, dilation) * out(W, kw, stride, pad, dilation);
      const dy = rng.floats(N * O * P);
      const r = runConv(be, g, x, w, b, dy);
      const y64 = conv64(g, x, w, b);
      expectClose(r.y, y64, normwise(y64), 'y');
      // Gradients by linearity: dX = ∂<conv(x), dy>/∂x is conv's adjoint; check it and dW through directional
      // derivatives along random directions, exact for a linear map: <dX, u> = <conv(u; w, 0), dy>.
      const u = rng.floats(x.length),
        v = rng.floats(w.length);
      expect(dot(r.dX, u)).toBeCloseTo(dot(conv64(g, u, w, null), dy), 3);
      expect(dot(r.dW, v)).toBeCloseTo(dot(conv64(g, x, v, null), dy), 3);
      const db = Array.from({ length: O }, (_, o) => {
        let s = 0;
        for (let n = 0; n < N; n++) for (let p = 0; p < P; p++) s += dy[(n * O + o) * P + p];
        return s;
      });
      expectClose(r.dB, db, normwise(db), 'dBias');
    },
  );

  it(
    'conv2dForward multiplies the windows laid out as im2col (row c·kh·kw + i·kw + j, column oh·OW + ow), ' +
      'and its dX is their adjoint (col2im)',
    () => {
      const rng = new Rng(17);
      const [C, H, W, kh, kw, stride, pad, dilation] = [2, 5, 6, 3, 2, 2, 1, 2];
      const OH = out(H, kh, stride, pad, dilation),
        OW = out(W, kw, stride, pad, dilation),
        P = OH * OW;
      // With one output channel per window element and an identity weight, Y is the window matrix itself.
      const K = C * kh * kw;
      const identity = F(K * K);
      for (let k = 0; k < K; k++) identity[k * K + k] = 1;
      const x = rng.floats(C * H * W),
        cols = F(K * P).fill(NaN),
        scratch = F(K * P);
      be.conv2dForward(1, C, H, W, K, kh, kw, stride, pad, dilation, x, identity, null, scratch, cols);
      for (let c = 0; c < C; c++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                const ih = oh * stride - pad + i * dilation,
                  iw = ow * stride - pad + j * dilation;
                const want = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[(c * H + ih) * W + iw] : 0;
                expect(cols[((c * kh + i) * kw + j) * P + oh * OW + ow]).toBe(want);
              }
      const z = rng.floats(cols.length),
        back = F(x.length).fill(NaN);
      be.conv2dBackward(1, C, H, W, K, kh, kw, stride, pad, dilation, x, identity, z, scratch, 0, F(K * K), null, back);
      expect(dot(back, x)).toBeCloseTo(dot(z, cols), 4);
    },
  );

  it.each([
    ['max', 2, 2, 0],
    ['max', 3, 2, 1],
    ['max', 3, 1, 1],
    ['avg', 2, 2, 0],
    ['avg', 3, 2, 1],
    ['avg', 3, 1, 0],
  ] as const)(
    '%s pooling k=%i stride=%i pad=%i on 2×3×7×5: forward matches the direct formula, backward is its adjoint',
    (kind, k, stride, pad) => {
      const [N, C, H, W] = [2, 3, 7, 5];
      const rng = new Rng(k * 10 + stride + pad * 100);
      const x = rng.floats(N * C * H * W),
        n = N * C * out(H, k, stride, pad) * out(W, k, stride, pad);
      const y = F(n),
        argmax = new Int32Array(n),
        g = rng.floats(n),
        dX = F(x.length).fill(NaN);
      if (kind === 'max') {
        be.maxPool2dForward(N, C, H, W, k, stride, pad, x, y, argmax);
        be.maxPool2dBackward(N, C, H, W, k, stride, pad, g, argmax, dX);
      } else {
        be.avgPool2dForward(N, C, H, W, k, stride, pad, x, y);
        be.avgPool2dBackward(N, C, H, W, k, stride, pad, g, dX);
      }
      const y64 = pool64(kind, N, C, H, W, k, stride, pad, x);
      expectClose(y, y64, { rtol: 1e-6 }, 'y');
      if (kind === 'max') {
        // The gradient lands on the winners: <dX, x> = <g, y> (each output picks x at its argmax).
        expect(dot(dX, x)).toBeCloseTo(dot(g, y), 4);
      } else {
        // Average pooling is linear: <dX, u> = <g, avgpool(u)>.
        const u = rng.floats(x.length);
        expect(dot(dX, u)).toBeCloseTo(dot(g, pool64('avg', N, C, H, W, k, stride, pad, u)), 4);
      }
    },
  );

  it('max pooling: ties go to the first maximum, NaN wins, padding never does', () => {
    const x = f32([1, 1, 1, 1, /**/ -5, -7, -6, -8, /**/ 0, NaN, 3, 2, /**/ -1, -1, -1, -1]);
    const y = F(4),
      argmax = new Int32Array(4);
    be.maxPool2dForward(4, 1, 2, 2, 2, 2, 0, x, y, argmax);
    expect(Array.from(argmax)).toEqual([0, 0, 1, 0]);
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(-5);
    expect(y[2]).toBeNaN();
    // 3×3 windows with padding 1 over an all-equal negative image: the padding (−∞) never wins, the first real pixel does.
    const neg = F(9).fill(-3),
      y2 = F(4),
      a2 = new Int32Array(4);
    be.maxPool2dForward(1, 1, 3, 3, 3, 2, 1, neg, y2, a2);
    expect(Array.from(y2)).toEqual([-3, -3, -3, -3]);
    expect(Array.from(a2)).toEqual([0, 1, 3, 4]);
  });

  describe('argument checks', () => {
    const loose = be as unknown as Record<string, (...args: unknown[]) => unknown>;
    // A valid conv: N=1, C=2, 5×5, O=3, 3×3 kernel, stride 1, pad 0 → 3×3 output.
    const conv = () => [1, 2, 5, 5, 3, 3, 3, 1, 0, 1, F(50), F(54), F(3), F(18 * 9), F(27)] as unknown[];
    const withArg = (i: number, v: unknown) => {
      const a = conv();
      a[i] = v;
      return a;
    };

    it('the valid baseline conv call works', () => {
      expect(() => loose.conv2dForward(...conv())).not.toThrow();
    });

    it('kernel, stride and dilation below 1 are ERR_INVALID_ARG; negative padding too', () => {
      for (const i of [5, 6, 7, 9]) expectError(() => loose.conv2dForward(...withArg(i, 0)), 'ERR_INVALID_ARG', /must be >= 1/);
      expectError(() => loose.conv2dForward(...withArg(8, -1)), 'ERR_INVALID_ARG', /pad/);
    });

    it('a window larger than the padded image is ERR_SHAPE (no output)', () => {
      expectError(() => loose.conv2dForward(...withArg(5, 6)), 'ERR_SHAPE', /window/);
      expectError(() => loose.conv2dForward(...withArg(9, 3)), 'ERR_SHAPE', /window/);
    });

    it('short buffers are ERR_SHAPE naming them, and nothing is written', () => {
      const y = F(27).fill(7);
      expectError(() => be.conv2dForward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, F(50), F(54), F(3), F(18 * 9 - 1), y), 'ERR_SHAPE', /cols/);
      expectError(() => be.conv2dForward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, F(49), F(54), F(3), F(162), y), 'ERR_SHAPE', /\bX\b/);
      expectError(() => be.conv2dForward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, F(50), F(53), F(3), F(162), y), 'ERR_SHAPE', /weight/);
      expect(y.every((v) => v === 7)).toBe(true);
    });

    it('outputs overlapping inputs are ERR_ALIAS', () => {
      const buf = F(300);
      expectError(
        () => be.conv2dForward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, buf.subarray(0, 50), F(54), F(3), buf.subarray(40, 202), F(27)),
        'ERR_ALIAS',
        /cols/,
      );
      const X = F(50);
      expectError(() => be.conv2dBackward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, X, F(54), F(27), F(162), 0, F(54), null, X), 'ERR_ALIAS', /dX/);
      expectError(
        () => be.conv2dForward(1, 2, 5, 5, 3, 3, 3, 1, 0, 1, buf.subarray(0, 50), F(54), F(3), buf.subarray(0, 162), F(27)),
        'ERR_ALIAS',
      );
    });

    it('huge sizes are ERR_OVERFLOW or ERR_SHAPE, never a crash', () => {
      const BIG = 2 ** 31 - 1;
      expectError(() => be.conv2dForward(1, BIG, BIG, BIG, 1, 1, 1, 1, 0, 1, F(1), F(1), null, F(1), F(1)), 'ERR_OVERFLOW');
      expectError(() => be.conv2dForward(1, 1, BIG, BIG, 1, 1, 1, 1, 0, 1, F(1), F(1), null, F(1), F(1)), 'ERR_OVERFLOW');
      expectError(() => be.conv2dForward(1, 1, 3, 3, 1, BIG, 1, 1, 0, BIG, F(9), F(1), null, F(1), F(1)), 'ERR_SHAPE');
      expectError(() => be.conv2dForward(1, 1, 4, 4, 1, 2, 2, 1, BIG, 1, F(16), F(4), null, F(4), F(4)), 'ERR_OVERFLOW');
      expectError(() => be.maxPool2dForward(BIG, BIG, 2, 2, 2, 2, 0, F(4), F(1), new Int32Array(1)), 'ERR_OVERFLOW');
      expectError(() => be.maxPool2dForward(BIG, 1, 2, 2, 2, 2, 0, F(4), F(1), new Int32Array(1)), 'ERR_SHAPE', /\bX\b/);
    });

    it('pooling: padding above k/2 and an empty image are ERR_INVALID_ARG; argmax must be an Int32Array', () => {
      expectError(() => be.maxPool2dForward(1, 1, 4, 4, 2, 2, 2, F(16), F(9), new Int32Array(9)), 'ERR_INVALID_ARG', /half/);
      expectError(() => be.avgPool2dForward(1, 1, 4, 4, 3, 1, 2, F(16), F(16)), 'ERR_INVALID_ARG', /half/);
      expectError(() => be.avgPool2dForward(1, 1, 0, 4, 1, 1, 0, F(16), F(16)), 'ERR_INVALID_ARG', /\bH\b/);
      expectError(() => loose.maxPool2dForward(1, 1, 4, 4, 2, 2, 0, F(16), F(4), F(4)), 'ERR_INVALID_ARG', /argmax/);
    });

    it('maxPool2dBackward refuses an argmax outside its plane before writing anything', () => {
      const dX = F(16).fill(7);
      for (const bad of [-1, 16, 2 ** 31 - 1]) {
        expectError(
          () => be.maxPool2dBackward(1, 1, 4, 4, 2, 2, 0, F(4), Int32Array.from([0, 1, bad, 3]), dX),
          'ERR_INVALID_ARG',
          /argmax\[2\]/,
        );
      }
      expect(dX.every((v) => v === 7)).toBe(true);
    });
  });
});

describe.skipIf(!bothBackends)('convolution and pooling: native vs js on random shapes', () => {
  const [js, native] = [backends[backendNames.indexOf('js')], backends[backendNames.indexOf('native')]];
  const rng = new Rng(606);
  const cases: Geometry[] = [];
  for (let t = 0; t < 12; t++) {
    const kh = 1 + rng.int(5),
      kw = 1 + rng.int(5),
      dilation = 1 + rng.int(2),
      pad = rng.int(3),
      stride = 1 + rng.int(3);
    const H = Math.max(1, dilation * (kh - 1) + 1 - 2 * pad) + rng.int(9),
      W = Math.max(1, dilation * (kw - 1) + 1 - 2 * pad) + rng.int(9);
    cases.push({ N: 1 + rng.int(3), C: 1 + rng.int(4), H, W, O: 1 + rng.int(5), kh, kw, stride, pad, dilation });
  }
  it.each(cases.map((g) => [JSON.stringify(g), g] as const))('conv %s', (_label, g) => {
    const r = new Rng(g.H * 31 + g.W);
    const P = out(g.H, g.kh, g.stride, g.pad, g.dilation) * out(g.W, g.kw, g.stride, g.pad, g.dilation);
    const x = r.floats(g.N * g.C * g.H * g.W),
      w = r.floats(g.O * g.C * g.kh * g.kw),
      b = r.floats(g.O),
      dy = r.floats(g.N * g.O * P);
    const a = runConv(js, g, x, w, b, dy),
      n = runConv(native, g, x, w, b, dy);
    expectClose(n.y, a.y, normwise(a.y), 'y');
    expectClose(n.dX, a.dX, normwise(a.dX), 'dX');
    expectClose(n.dW, a.dW, normwise(a.dW), 'dW');
    expectClose(n.dB, a.dB, normwise(a.dB), 'dBias');
  });

  it.each([
    [2, 2, 0],
    [3, 2, 1],
    [3, 1, 1],
    [4, 3, 2],
    [1, 1, 0],
  ])('pools k=%i stride=%i pad=%i agree exactly', (k, stride, pad) => {
    const r = new Rng(k * 7 + stride);
    const [N, C, H, W] = [2, 3, 9, 8];
    const x = r.floats(N * C * H * W),
      n = N * C * out(H, k, stride, pad) * out(W, k, stride, pad),
      g = r.floats(n);
    const run = (be: Backend) => {
      const y = F(n),
        am = new Int32Array(n),
        dX = F(x.length),
        ya = F(n),
        dXa = F(x.length);
      be.maxPool2dForward(N, C, H, W, k, stride, pad, x, y, am);
      be.maxPool2dBackward(N, C, H, W, k, stride, pad, g, am, dX);
      be.avgPool2dForward(N, C, H, W, k, stride, pad, x, ya);
      be.avgPool2dBackward(N, C, H, W, k, stride, pad, g, dXa);
      return { y, am, dX, ya, dXa };
    };
    const a = run(js),
      b = run(native);
    expect(Array.from(b.am)).toEqual(Array.from(a.am));
    expectClose(b.y, a.y, { rtol: 0 }, 'max y');
    expectClose(b.dX, a.dX, { rtol: 0 }, 'max dX');
    expectClose(b.ya, a.ya, { rtol: 0 }, 'avg y');
    expectClose(b.dXa, a.dXa, { rtol: 0 }, 'avg dX');
  });
});

describe.skipIf(!backendNames.includes('native'))('convolution and pooling: the addon called directly', () => {
  it('bad argmax, huge sizes and short buffers throw the library error, never crash', () => {
    const addon = loadAddon();
    expectError(
      () => addon.maxPool2dBackward(1, 1, 4, 4, 2, 2, 0, F(4), Int32Array.from([0, 1, 99, 3]), F(16)),
      'ERR_INVALID_ARG',
      /argmax/,
    );
    expectError(() => addon.maxPool2dBackward(1, 1, 4, 4, 2, 2, 3, F(4), new Int32Array(4), F(16)), 'ERR_INVALID_ARG');
    expectError(() => addon.conv2dForward(1, 1, 3, 3, 1, 1, 1, 0, 0, 1, F(9), F(1), null, F(9), F(9)), 'ERR_INVALID_ARG');
    expectError(() => addon.conv2dForward(2 ** 31 - 1, 1, 3, 3, 1, 1, 1, 1, 0, 1, F(9), F(1), null, F(9), F(9)), 'ERR_SHAPE');
    expectError(
      () => addon.conv2dBackward(1, 1, 3, 3, 1, 3, 3, 1, 1, 1, F(9), F(9), F(9), F(80), 0, F(9), null, F(9)),
      'ERR_SHAPE',
      /cols/,
    );
    expectError(
      () => addon.conv2dBackward(1, 1, 2 ** 31 - 1, 2 ** 31 - 1, 1, 1, 1, 1, 0, 1, F(1), F(1), F(1), F(1), 0, F(1), null, F(1)),
      'ERR_OVERFLOW',
    );
    expectError(() => addon.avgPool2dForward(1, 1, 5, 5, 2, 1, 0, F(25), F(15)), 'ERR_SHAPE', /\bY\b/);
  });
});
