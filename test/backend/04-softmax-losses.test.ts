/** softmaxForward/Backward, fused softmax cross-entropy (integer and soft targets), sigmoid BCE and MSE. */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose, expectCloseScalar, f32 } from '../helpers/close.js';
import { softXent64, softmax64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';
import { reference, type LossesRef, type SoftmaxXentRef } from '../helpers/reference.js';

const xent = reference<SoftmaxXentRef>('softmax_xent');
const losses = reference<LossesRef>('losses');
const TOL = { rtol: 1e-5 };
/** Gradients are differences (p − onehot) and so can cancel: compared norm-wise (helpers/tolerances.ts). */
const gradTol = (g: ArrayLike<number>) => normwise(g);
const cases = xent.cases.map((c, i) => ({ ...c, i }));

describe.each(backends)('softmax ($name)', (b) => {
  it.each(cases)('softmaxForward gives PyTorch probabilities (case $i, $B×$C)', (c) => {
    const Y = new Float32Array(c.B * c.C);
    b.softmaxForward(c.B, c.C, f32(c.logits), Y);
    expectClose(Y, c.probs, TOL, 'Y');
  });

  it('softmaxForward is stable for logits of ±1e3 and ±3e38, and may run in place', () => {
    const X = f32([1000, 999, -1000, 3e38, 3e38, -3e38]);
    const Y = X.slice();
    b.softmaxForward(2, 3, Y, Y);
    expectClose(Y, softmax64(2, 3, X), TOL, 'Y');
  });

  /** d/dX of Σ dY ⊙ softmax(X), by central differences in float64. */
  function numericGrad(M: number, N: number, X: Float32Array, dY: Float32Array): Float64Array {
    const x = Float64Array.from(X),
      out = new Float64Array(M * N),
      h = 1e-6;
    const f = (v: Float64Array) => softmax64(M, N, v).reduce((s, y, i) => s + y * dY[i], 0);
    for (let i = 0; i < M * N; i++) {
      const keep = x[i];
      x[i] = keep + h;
      const up = f(x);
      x[i] = keep - h;
      const down = f(x);
      x[i] = keep;
      out[i] = (up - down) / (2 * h);
    }
    return out;
  }

  it('softmaxBackward matches central differences (float64) on 3×5, also in place (dX = dY)', () => {
    const rng = new Rng(21);
    const M = 3,
      N = 5,
      X = rng.floats(M * N, 2),
      dY = rng.floats(M * N);
    const Y = new Float32Array(M * N),
      dX = new Float32Array(M * N);
    b.softmaxForward(M, N, X, Y);
    b.softmaxBackward(M, N, Y, dY, dX);
    const want = numericGrad(M, N, X, dY);
    expectClose(dX, want, { rtol: 1e-4, atol: 1e-6 }, 'dX');
    const g = dY.slice();
    b.softmaxBackward(M, N, Y, g, g);
    expect(Array.from(g)).toEqual(Array.from(dX));
  });
});

describe.each(backends)('softmax cross-entropy ($name)', (b) => {
  it.each(cases)('integer labels: loss, probs and gradient match PyTorch (case $i, $B×$C)', (c) => {
    const n = c.B * c.C,
      probs = new Float32Array(n),
      dLogits = new Float32Array(n);
    const loss = b.softmaxCrossEntropy(c.B, c.C, f32(c.logits), Int32Array.from(c.labels), probs, dLogits);
    expectCloseScalar(loss, c.loss, TOL, 'loss');
    expectClose(probs, c.probs, TOL, 'probs');
    expectClose(dLogits, c.grad, gradTol(c.grad), 'dLogits');
  });

  it.each(cases)('one-hot soft targets give the same as integer labels (case $i)', (c) => {
    const n = c.B * c.C,
      T = new Float32Array(n),
      probs = new Float32Array(n),
      dLogits = new Float32Array(n);
    c.labels.forEach((y, i) => {
      T[i * c.C + y] = 1;
    });
    const loss = b.softmaxCrossEntropySoft(c.B, c.C, f32(c.logits), T, probs, dLogits);
    expectCloseScalar(loss, c.loss, TOL, 'loss');
    expectClose(probs, c.probs, TOL, 'probs');
    expectClose(dLogits, c.grad, gradTol(c.grad), 'dLogits');
  });

  it('soft targets (rows not summing to 1) match float64', () => {
    const rng = new Rng(22);
    const M = 6,
      N = 7,
      Z = rng.floats(M * N, 3),
      T = new Float32Array(M * N);
    for (let i = 0; i < M * N; i++) T[i] = rng.next() * (i % N === 0 ? 0 : 0.4);
    const probs = new Float32Array(M * N),
      dLogits = new Float32Array(M * N);
    const loss = b.softmaxCrossEntropySoft(M, N, Z, T, probs, dLogits);
    const want = softXent64(M, N, Z, T);
    expectCloseScalar(loss, want.loss, TOL, 'loss');
    expectClose(probs, want.probs, TOL, 'probs');
    expectClose(dLogits, want.grad, gradTol(want.grad), 'dLogits');
  });

  it('M = 0 returns 0 for both forms', () => {
    const e = new Float32Array(0);
    expect(b.softmaxCrossEntropy(0, 3, e, new Int32Array(0), e.slice(), e.slice())).toBe(0);
    expect(b.softmaxCrossEntropySoft(0, 3, e, e.slice(), e.slice(), e.slice())).toBe(0);
  });

  it('a 256-row batch of 1000 classes: mean loss in double (1e-4) against float64', () => {
    const rng = new Rng(23);
    const M = 256,
      N = 1000,
      Z = rng.floats(M * N, 4),
      labels = rng.labels(M, N);
    const probs = new Float32Array(M * N),
      dLogits = new Float32Array(M * N);
    const loss = b.softmaxCrossEntropy(M, N, Z, labels, probs, dLogits);
    const T = new Float32Array(M * N);
    labels.forEach((y, i) => {
      T[i * N + y] = 1;
    });
    expectCloseScalar(loss, softXent64(M, N, Z, T).loss, { rtol: 1e-4 }, 'loss');
  });
});

describe.each(backends)('sigmoid BCE and MSE ($name)', (b) => {
  it('sigmoidBce matches PyTorch (loss and gradient)', () => {
    const r = losses.bce_with_logits,
      n = r.logits.length,
      d = new Float32Array(n);
    const loss = b.sigmoidBce(n, f32(r.logits), f32(r.targets), d);
    expectCloseScalar(loss, r.loss, TOL, 'loss');
    expectClose(d, r.grad, TOL, 'dLogits');
  });

  it('sigmoidBce is finite and exact at logits of ±1000, and may write dLogits over logits', () => {
    const X = f32([1000, -1000, 1000, -1000]),
      T = f32([1, 0, 0, 1]);
    const d = X.slice();
    const loss = b.sigmoidBce(4, d, T, d);
    expectCloseScalar(loss, 2000 / 4, TOL, 'loss');
    expectClose(d, [0, 0, 0.25, -0.25], TOL, 'dLogits');
  });

  it('mse matches PyTorch (loss and gradient), in place too', () => {
    const r = losses.mse,
      n = r.pred.length,
      d = new Float32Array(n);
    const loss = b.mse(n, f32(r.pred), f32(r.target), d);
    expectCloseScalar(loss, r.loss, TOL, 'loss');
    expectClose(d, r.grad, TOL, 'dPred');
    const p = f32(r.pred);
    expectCloseScalar(b.mse(n, p, f32(r.target), p), r.loss, TOL, 'loss in place');
    expectClose(p, r.grad, TOL, 'dPred in place');
  });

  it('n = 0 returns 0', () => {
    const e = new Float32Array(0);
    expect(b.sigmoidBce(0, e, e.slice(), e.slice())).toBe(0);
    expect(b.mse(0, e, e.slice(), e.slice())).toBe(0);
  });
});
