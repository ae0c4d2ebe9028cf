/**
 * The sequence layers' kernels on every backend: conv1d against a float64 direct convolution (stride, padding,
 * dilation, with and without bias, beta accumulation), the 1-D pools against naive windows (PyTorch's rules: padding
 * never wins, NaN wins, the divisor counts the padding), layer normalization against float64 formulas, the clipping
 * kernels against plain loops; native against js on random odd shapes; and the checks the contract cannot express
 * (pad beyond half the window, a window that does not fit, an argmax outside its row, p ≤ 0, lo > hi).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/index.js';
import { backendNames, backends, bothBackends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

interface Conv1dGeometry {
  N: number;
  C: number;
  L: number;
  O: number;
  k: number;
  stride: number;
  pad: number;
  dilation: number;
}

const outLength = (L: number, k: number, stride: number, pad: number, dilation = 1) =>
  Math.floor((L + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;

/** The convolution by its definition, in float64: y, and for upstream dy the gradients of x, weight and bias. */
function conv1d64(g: Conv1dGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null, dy: Float32Array) {
  const OL = outLength(g.L, g.k, g.stride, g.pad, g.dilation);
  const y = new Float64Array(g.N * g.O * OL),
    dx = new Float64Array(g.N * g.C * g.L),
    dw = new Float64Array(g.O * g.C * g.k),
    db = new Float64Array(g.O);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++)
      for (let p = 0; p < OL; p++) {
        const yi = (n * g.O + o) * OL + p;
        let s = b ? b[o] : 0;
        db[o] += dy[yi];
        for (let c = 0; c < g.C; c++)
          for (let j = 0; j < g.k; j++) {
            const i = p * g.stride - g.pad + j * g.dilation;
            if (i < 0 || i >= g.L) continue;
            const xi = (n * g.C + c) * g.L + i,
              wi = (o * g.C + c) * g.k + j;
            s += w[wi] * x[xi];
            dx[xi] += w[wi] * dy[yi];
            dw[wi] += x[xi] * dy[yi];
          }
        y[yi] = s;
      }
  return { y, dx, dw, db, OL };
}

function randomConv1d(rng: Rng): Conv1dGeometry {
  const k = 1 + rng.int(5),
    dilation = 1 + rng.int(3),
    pad = rng.int(3),
    stride = 1 + rng.int(3);
  const L = Math.max(1, dilation * (k - 1) + 1 - 2 * pad) + rng.int(12);
  return { N: 1 + rng.int(3), C: 1 + rng.int(4), L, O: 1 + rng.int(5), k, stride, pad, dilation };
}

function runConv1d(be: Backend, g: Conv1dGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null, dy: Float32Array, beta = 0) {
  const OL = outLength(g.L, g.k, g.stride, g.pad, g.dilation);
  const cols = new Float32Array(g.C * g.k * OL);
  const y = new Float32Array(g.N * g.O * OL);
  be.conv1dForward(g.N, g.C, g.L, g.O, g.k, g.stride, g.pad, g.dilation, x, w, b, cols, y);
  const dw = new Float32Array(g.O * g.C * g.k).fill(beta === 0 ? Number.NaN : 0.5); // beta 0 must never read it
  const db = b ? new Float32Array(g.O).fill(beta === 0 ? Number.NaN : 0.5) : null;
  const dx = new Float32Array(g.N * g.C * g.L).fill(Number.NaN);
  be.conv1dBackward(g.N, g.C, g.L, g.O, g.k, g.stride, g.pad, g.dilation, x, w, dy, cols, beta, dw, db, dx);
  return { y, dw, db, dx };
}

/** A pool by its definition: windows over the real values only, max with NaN winning, average over k. */
function pool64(
  kind: 'max' | 'avg',
  N: number,
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  x: Float32Array,
  dy: Float32Array,
) {
  const OL = outLength(L, k, stride, pad);
  const y = new Float64Array(N * C * OL),
    dx = new Float64Array(N * C * L);
  for (let r = 0; r < N * C; r++)
    for (let o = 0; o < OL; o++) {
      const idx: number[] = [];
      for (let j = 0; j < k; j++) {
        const i = o * stride - pad + j;
        if (i >= 0 && i < L) idx.push(r * L + i);
      }
      const yi = r * OL + o;
      if (kind === 'avg') {
        y[yi] = idx.reduce((s, i) => s + x[i], 0) / k;
        for (const i of idx) dx[i] += dy[yi] / k;
      } else {
        let at = idx[0];
        for (const i of idx) if (x[i] > x[at] || Number.isNaN(x[i])) at = i;
        y[yi] = x[at];
        dx[at] += dy[yi];
      }
    }
  return { y, dx, OL };
}

function layerNorm64(
  M: number,
  N: number,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  eps: number,
  dy: Float32Array,
) {
  const y = new Float64Array(M * N),
    dx = new Float64Array(M * N),
    dgamma = new Float64Array(N),
    dbeta = new Float64Array(N);
  for (let r = 0; r < M; r++) {
    const row = Array.from(x.subarray(r * N, (r + 1) * N));
    const mu = row.reduce((a, b) => a + b, 0) / N;
    const v = row.reduce((a, b) => a + (b - mu) ** 2, 0) / N;
    const is = 1 / Math.sqrt(v + eps);
    const xhat = row.map((t) => (t - mu) * is);
    const gh = xhat.map((_, j) => dy[r * N + j] * (gamma ? gamma[j] : 1));
    const a = gh.reduce((s, t) => s + t, 0) / N;
    const bb = gh.reduce((s, t, j) => s + t * xhat[j], 0) / N;
    for (let j = 0; j < N; j++) {
      y[r * N + j] = xhat[j] * (gamma ? gamma[j] : 1) + (beta ? beta[j] : 0);
      dx[r * N + j] = is * (gh[j] - a - xhat[j] * bb);
      dgamma[j] += dy[r * N + j] * xhat[j];
      dbeta[j] += dy[r * N + j];
    }
  }
  return { y, dx, dgamma, dbeta };
}

function runLayerNorm(
  be: Backend,
  M: number,
  N: number,
  x: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  eps: number,
  dy: Float32Array,
) {
  const mean = new Float32Array(M),
    invStd = new Float32Array(M),
    y = new Float32Array(M * N);
  be.layerNormForward(M, N, x, gamma, beta, eps, mean, invStd, y);
  const dx = new Float32Array(M * N).fill(Number.NaN),
    dgamma = new Float32Array(N).fill(Number.NaN),
    dbeta = new Float32Array(N).fill(Number.NaN);
  be.layerNormBackward(M, N, x, mean, invStd, gamma, dy, dx, dgamma, dbeta);
  return { y, dx, dgamma, dbeta, mean, invStd };
}

describe.each(backends)('the sequence kernels against their definitions ($name)', (be) => {
  const rng = new Rng(1414);
  const geometries = [
    { N: 2, C: 3, L: 11, O: 4, k: 3, stride: 1, pad: 1, dilation: 1 },
    { N: 1, C: 2, L: 9, O: 3, k: 4, stride: 2, pad: 0, dilation: 2 },
    { N: 3, C: 1, L: 5, O: 2, k: 5, stride: 3, pad: 2, dilation: 1 },
    ...Array.from({ length: 6 }, () => randomConv1d(rng)),
  ];
  it.each(geometries.map((g) => [JSON.stringify(g), g] as const))('conv1d %s: y, dx, dweight, dbias; beta 1 accumulates', (_l, g) => {
    const r = new Rng(g.L * 7 + g.k);
    const OL = outLength(g.L, g.k, g.stride, g.pad, g.dilation);
    const x = r.floats(g.N * g.C * g.L),
      w = r.floats(g.O * g.C * g.k),
      b = r.floats(g.O),
      dy = r.floats(g.N * g.O * OL);
    for (const bias of [b, null]) {
      const want = conv1d64(g, x, w, bias, dy);
      const got = runConv1d(be, g, x, w, bias, dy);
      expectClose(got.y, want.y, normwise(want.y), 'y');
      expectClose(got.dx, want.dx, normwise(want.dx), 'dx');
      expectClose(got.dw, want.dw, normwise(want.dw), 'dweight');
      if (bias) expectClose(got.db!, want.db, normwise(want.db), 'dbias');
      const acc = runConv1d(be, g, x, w, bias, dy, 1);
      expectClose(
        acc.dw,
        want.dw.map((v) => v + 0.5),
        normwise(want.dw),
        'dweight with beta 1',
      );
      if (bias)
        expectClose(
          acc.db!,
          want.db.map((v) => v + 0.5),
          normwise(want.db),
          'dbias with beta 1',
        );
    }
  });

  const pools = [
    [3, 3, 0, 11],
    [3, 2, 1, 10],
    [4, 1, 2, 7],
    [2, 3, 1, 9],
    [5, 5, 0, 5], // a global pool: one window over the whole row
    [1, 1, 0, 4],
  ] as const;
  it.each(pools.map((p) => [p.join(', '), p] as const))('max and avg pool1d (k, stride, pad, L) = (%s), with NaN in the rows', (_l, p) => {
    const [k, stride, pad, L] = p;
    const N = 2,
      C = 3;
    const r = new Rng(k * 100 + L);
    const x = r.floats(N * C * L);
    x[1] = Number.NaN;
    x[L + 2] = Number.NaN;
    x[2 * L + 3] = 5; // a tie at the maximum: the first one wins
    x[2 * L + Math.min(L - 1, 4)] = 5;
    const { OL } = pool64('max', N, C, L, k, stride, pad, x, new Float32Array(N * C * outLength(L, k, stride, pad)));
    const dy = r.floats(N * C * OL);
    const max = pool64('max', N, C, L, k, stride, pad, x, dy);
    const y = new Float32Array(N * C * OL),
      argmax = new Int32Array(N * C * OL),
      dx = new Float32Array(N * C * L).fill(Number.NaN);
    be.maxPool1dForward(N, C, L, k, stride, pad, x, y, argmax);
    be.maxPool1dBackward(N, C, L, k, stride, pad, dy, argmax, dx);
    expectClose(y, max.y, { rtol: 0 }, 'max y');
    expectClose(dx, max.dx, { rtol: 1e-6 }, 'max dx');
    const clean = x.map((v) => (Number.isNaN(v) ? 0.25 : v));
    const avg = pool64('avg', N, C, L, k, stride, pad, clean, dy);
    be.avgPool1dForward(N, C, L, k, stride, pad, clean, y);
    be.avgPool1dBackward(N, C, L, k, stride, pad, dy, dx);
    expectClose(y, avg.y, { rtol: 1e-6 }, 'avg y');
    expectClose(dx, avg.dx, { rtol: 1e-6 }, 'avg dx');
  });

  it.each([
    [4, 6, true],
    [10, 7, false],
    [3, 1, true],
    [1, 33, true],
  ] as const)('layerNorm of %i rows × %i (affine %s): y, dx, dgamma, dbeta', (M, N, affine) => {
    const r = new Rng(M * 50 + N);
    const x = r.floats(M * N, 3).map((v) => v + 2);
    const gamma = affine ? r.floats(N) : null,
      beta = affine ? r.floats(N) : null;
    const dy = r.floats(M * N);
    const want = layerNorm64(M, N, x, gamma, beta, 1e-5, dy);
    const got = runLayerNorm(be, M, N, x, gamma, beta, 1e-5, dy);
    expectClose(got.y, want.y, { rtol: 1e-5, atol: 1e-6 }, 'y');
    expectClose(got.dx, want.dx, normwise(want.dx, 2e-5), 'dx');
    expectClose(got.dgamma, want.dgamma, normwise(want.dgamma), 'dgamma');
    expectClose(got.dbeta, want.dbeta, normwise(want.dbeta), 'dbeta');
  });

  it('layerNorm: a row with a NaN is NaN throughout (y and dx), the other rows are untouched; dX may be dY', () => {
    const x = Float32Array.from([1, 2, 3, Number.NaN, 5, 6, 7, 8]);
    const dy = Float32Array.from([1, -1, 0.5, 2, 1, 1, -2, 0.25]);
    const got = runLayerNorm(be, 2, 4, x, null, null, 1e-5, dy);
    expect(Array.from(got.y.subarray(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(got.dx.subarray(0, 4)).every(Number.isNaN)).toBe(true);
    const clean = layerNorm64(1, 4, x.subarray(4), null, null, 1e-5, dy.subarray(4));
    expectClose(got.y.subarray(4), clean.y, { rtol: 1e-5 }, 'the clean row');
    const inPlace = dy.slice();
    be.layerNormBackward(2, 4, x, got.mean, got.invStd, null, inPlace, inPlace, null, null);
    expectClose(inPlace.subarray(4), got.dx.subarray(4), { rtol: 0 }, 'dX written over dY');
  });

  it('powerSum: Σ|x|^p for p = 1, 2, 3, 0.5 and max |x| for ∞ (NaN when a value is NaN); clamp keeps NaN', () => {
    const x = new Rng(7).floats(37, 2);
    for (const p of [1, 2, 3, 0.5]) {
      const want = Array.from(x).reduce((s, v) => s + Math.abs(v) ** p, 0);
      expect(Math.abs(be.powerSum(x.length, p, x) - want)).toBeLessThan(1e-12 * want + 1e-12);
    }
    expect(be.powerSum(x.length, Infinity, x)).toBe(Math.max(...Array.from(x, Math.abs)));
    expect(be.powerSum(0, 2, x)).toBe(0);
    const bad = x.slice();
    bad[20] = Number.NaN;
    for (const p of [1, 2, 3, Infinity]) expect(be.powerSum(bad.length, p, bad)).toBeNaN();
    bad[3] = Number.POSITIVE_INFINITY;
    bad[20] = 0;
    expect(be.powerSum(bad.length, 2, bad)).toBe(Number.POSITIVE_INFINITY);
    const c = Float32Array.from([-3, -0.5, 0, 0.25, 2, Number.NaN, Number.NEGATIVE_INFINITY]);
    be.clamp(c.length, -1, 0.5, c);
    expect(Array.from(c)).toEqual([-1, -0.5, 0, 0.25, 0.5, Number.NaN, -1]);
  });

  it('the checks beyond the table: pad over half the window, a window that does not fit, argmax outside its row, p, lo > hi', () => {
    const x = new Float32Array(10),
      y = new Float32Array(10),
      a = new Int32Array(10);
    expectError(
      () => be.maxPool1dForward(1, 1, 5, 2, 2, 2, x, y, a),
      'ERR_INVALID_ARG',
      /maxPool1dForward: pad must be at most half the window \(k = 2\), got 2/,
    );
    expectError(
      () => be.avgPool1dForward(1, 1, 3, 5, 1, 0, x, y),
      'ERR_SHAPE',
      /avgPool1dForward: the 5-wide window does not fit L = 3 with padding 0/,
    );
    expectError(
      () => be.conv1dForward(1, 1, 4, 1, 3, 1, 0, 2, x, x.subarray(0, 3), null, new Float32Array(10), y),
      'ERR_SHAPE',
      /conv1dForward: the 5-wide window does not fit L = 4 with padding 0/,
    );
    a[1] = 5;
    expectError(() => be.maxPool1dBackward(1, 2, 5, 5, 5, 0, x, a, y), 'ERR_INVALID_ARG', /argmax\[1\] = 5 is outside its row of L = 5/);
    expectError(() => be.powerSum(3, 0, x), 'ERR_INVALID_ARG', /powerSum: p must be > 0/);
    expectError(() => be.powerSum(3, Number.NaN, x), 'ERR_INVALID_ARG', /powerSum: p must be > 0/);
    expectError(() => be.clamp(3, 1, -1, x), 'ERR_INVALID_ARG', /clamp: lo must be <= hi, got lo = 1, hi = -1/);
  });
});

describe.skipIf(!bothBackends)('the sequence kernels: native vs js on random odd shapes', () => {
  const [js, native] = [backends[backendNames.indexOf('js')], backends[backendNames.indexOf('native')]];
  const rng = new Rng(2718);
  const cases = Array.from({ length: 10 }, () => randomConv1d(rng));
  it.each(cases.map((g) => [JSON.stringify(g), g] as const))('conv1d %s', (_l, g) => {
    const r = new Rng(g.L * 13 + g.O);
    const OL = outLength(g.L, g.k, g.stride, g.pad, g.dilation);
    const x = r.floats(g.N * g.C * g.L),
      w = r.floats(g.O * g.C * g.k),
      b = r.floats(g.O),
      dy = r.floats(g.N * g.O * OL);
    const [a, n] = [runConv1d(js, g, x, w, b, dy, 1), runConv1d(native, g, x, w, b, dy, 1)];
    for (const key of ['y', 'dw', 'db', 'dx'] as const) expectClose(n[key]!, a[key]!, normwise(a[key]!), key);
  });

  it.each([
    [7, 13],
    [64, 1],
    [5, 129],
    [31, 17],
  ])('layerNorm %i × %i', (M, N) => {
    const r = new Rng(M + N);
    const x = r.floats(M * N, 4),
      gamma = r.floats(N),
      beta = r.floats(N),
      dy = r.floats(M * N);
    const [a, n] = [runLayerNorm(js, M, N, x, gamma, beta, 1e-5, dy), runLayerNorm(native, M, N, x, gamma, beta, 1e-5, dy)];
    expectClose(n.mean, a.mean, { rtol: 0 }, 'mean');
    expectClose(n.invStd, a.invStd, { rtol: 0 }, 'invStd');
    for (const key of ['y', 'dx', 'dgamma', 'dbeta'] as const) expectClose(n[key], a[key], normwise(a[key], 1e-6), key);
  });

  it('the pools and clipping kernels agree exactly', () => {
    const r = new Rng(99);
    for (const [N, C, L, k, stride, pad] of [
      [3, 5, 17, 4, 3, 2],
      [2, 7, 9, 9, 9, 0],
      [1, 3, 12, 3, 1, 1],
    ]) {
      const OL = outLength(L, k, stride, pad);
      const x = r.floats(N * C * L),
        dy = r.floats(N * C * OL);
      const run = (be: Backend) => {
        const y = new Float32Array(N * C * OL),
          a = new Int32Array(N * C * OL),
          dx = new Float32Array(N * C * L),
          ya = new Float32Array(N * C * OL),
          dxa = new Float32Array(N * C * L);
        be.maxPool1dForward(N, C, L, k, stride, pad, x, y, a);
        be.maxPool1dBackward(N, C, L, k, stride, pad, dy, a, dx);
        be.avgPool1dForward(N, C, L, k, stride, pad, x, ya);
        be.avgPool1dBackward(N, C, L, k, stride, pad, dy, dxa);
        return [y, a, dx, ya, dxa];
      };
      expect(run(native)).toEqual(run(js));
    }
    const g = r.floats(1001, 3);
    for (const p of [1, 2, 3, Infinity]) {
      const [a, n] = [js.powerSum(g.length, p, g), native.powerSum(g.length, p, g)];
      expect(Math.abs(a - n)).toBeLessThanOrEqual(1e-12 * a);
    }
    const [cj, cn] = [g.slice(), g.slice()];
    js.clamp(g.length, -0.3, 0.7, cj);
    native.clamp(g.length, -0.3, 0.7, cn);
    expect(cn).toEqual(cj);
  });
});
