/**
 * logSoftmaxForward / logSoftmaxBackward against PyTorch 1.13's log_softmax (3×5 with a logit of 1000:
 * test/fixtures/reference/activations_more.json), float64 on odd sizes, in place, and NaN rows
 * (activations_nan.json, written by 03-activations-nan.py).
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { reference } from '../helpers/reference.js';

const ref = reference<{ log_softmax: { x: number[]; y: number[]; g: number[]; dx: number[] } }>('activations_more').log_softmax;
type Num = number | 'NaN';
const nanRef = reference<{ log_softmax: { x: Num[][]; y: Num[][]; dx: Num[][] } }>('activations_nan').log_softmax;
const num = (v: Num) => (v === 'NaN' ? Number.NaN : v);
const TOL = { rtol: 1e-5 };

/** Row-wise log-softmax in float64, and the gradient of Σ dY ⊙ logSoftmax(X). */
function logSoftmax64(M: number, N: number, X: ArrayLike<number>, dY: ArrayLike<number>) {
  const y = new Float64Array(M * N),
    dx = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, X[i * N + j]);
    let s = 0,
      gs = 0;
    for (let j = 0; j < N; j++) {
      s += Math.exp(X[i * N + j] - m);
      gs += dY[i * N + j];
    }
    for (let j = 0; j < N; j++) y[i * N + j] = X[i * N + j] - m - Math.log(s);
    for (let j = 0; j < N; j++) dx[i * N + j] = dY[i * N + j] - Math.exp(y[i * N + j]) * gs;
  }
  return { y, dx };
}

describe.each(backends)('logSoftmax kernels ($name)', (b) => {
  it('forward and backward match PyTorch (3×5, one logit of 1000)', () => {
    const Y = new Float32Array(15),
      dX = new Float32Array(15);
    b.logSoftmaxForward(3, 5, f32(ref.x), Y);
    expectClose(Y, ref.y, TOL, 'Y');
    b.logSoftmaxBackward(3, 5, Y, f32(ref.g), dX);
    expectClose(dX, ref.dx, TOL, 'dX');
  });

  it.each([
    [1, 1],
    [7, 3],
    [33, 17],
    [5, 1001],
  ])('%i×%i (odd sizes, logits of magnitude 30) match float64, and run in place', (M, N) => {
    const rng = new Rng(M * 7 + N);
    const X = rng.floats(M * N, 30),
      dY = rng.floats(M * N);
    const Y = new Float32Array(M * N),
      dX = new Float32Array(M * N);
    b.logSoftmaxForward(M, N, X, Y);
    b.logSoftmaxBackward(M, N, Y, dY, dX);
    const want = logSoftmax64(M, N, X, dY);
    // y = x − shift cancels where x is near the row's shift: an absolute error of one float ulp of the shift.
    expectClose(Y, want.y, { rtol: 1e-5, atol: 1e-5 }, 'Y');
    expectClose(dX, want.dx, { rtol: 1e-5, atol: 1e-5 }, 'dX');
    const inPlace = X.slice();
    b.logSoftmaxForward(M, N, inPlace, inPlace);
    expect(Array.from(inPlace)).toEqual(Array.from(Y));
    const g = dY.slice();
    b.logSoftmaxBackward(M, N, Y, g, g);
    expect(Array.from(g)).toEqual(Array.from(dX));
  });

  it('keeps log 2 beside logits of 3e38, is finite for ±1000, and exp(Y) sums to 1 in each row', () => {
    const X = f32([3e38, 3e38, 1e38, 1000, -1000, 0]),
      Y = new Float32Array(6);
    b.logSoftmaxForward(2, 3, X, Y);
    expectClose(Y, [-Math.LN2, -Math.LN2, Math.fround(1e38) - Math.fround(3e38), 0, -2000, -1000], TOL, 'Y');
    for (const r of [0, 3]) expect(Math.exp(Y[r]) + Math.exp(Y[r + 1]) + Math.exp(Y[r + 2])).toBeCloseTo(1, 6);
  });

  it('a row with a NaN is NaN throughout, forward and backward; other rows are untouched (as in PyTorch)', () => {
    const X = f32(nanRef.x.flat().map(num)),
      Y = new Float32Array(6),
      dX = new Float32Array(6);
    b.logSoftmaxForward(2, 3, X, Y);
    expectClose(Y, nanRef.y.flat().map(num), TOL, 'Y');
    b.logSoftmaxBackward(2, 3, Y, new Float32Array(6).fill(1), dX);
    expectClose(dX, nanRef.dx.flat().map(num), TOL, 'dX');
  });

  it('softmax too: a row with a NaN is NaN throughout, forward and backward, wherever the NaN is', () => {
    for (const at of [0, 1, 2]) {
      const X = f32([1, 2, 3, 0.5, -1, 3]);
      X[at] = Number.NaN;
      const Y = new Float32Array(6),
        dX = new Float32Array(6);
      b.softmaxForward(2, 3, X, Y);
      b.softmaxBackward(2, 3, Y, f32([1, 2, 3, 4, 5, 6]), dX);
      expect(Array.from(Y.subarray(0, 3)).every(Number.isNaN), `NaN at ${at}: Y = ${Array.from(Y)}`).toBe(true);
      expect(Array.from(dX.subarray(0, 3)).every(Number.isNaN), `NaN at ${at}: dX = ${Array.from(dX)}`).toBe(true);
      expect(Array.from(Y.subarray(3)).every(Number.isFinite)).toBe(true);
    }
  });

  it('M = 0 or N = 0 writes nothing', () => {
    const Y = f32([9, 9]);
    b.logSoftmaxForward(0, 2, f32([1, 2]), Y);
    b.logSoftmaxForward(2, 0, f32([1, 2]), Y);
    expect(Array.from(Y)).toEqual([9, 9]);
  });
});
