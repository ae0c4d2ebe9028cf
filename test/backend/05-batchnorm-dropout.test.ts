/** batchNormForward/Backward against PyTorch and float64; dropout masks from the spec's hash. */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { batchNorm64, dropoutKeeps } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';
import { reference, type BatchnormRef } from '../helpers/reference.js';

const bn = reference<BatchnormRef>('batchnorm');
/** dgamma, dbeta, dx are sums of products that can cancel: compared norm-wise (helpers/tolerances.ts). */
const sumTol = normwise;

describe.each(backends)('batch normalization ($name)', (b) => {
  it('training forward and backward match PyTorch (6×4, S = 1), and so do the running statistics', () => {
    const { B: M, F: C, eps } = bn;
    const mean = new Float32Array(C),
      invStd = new Float32Array(C),
      Y = new Float32Array(M * C);
    b.batchNormForward(M, C, 1, f32(bn.x), f32(bn.gamma), f32(bn.beta), eps, true, mean, invStd, Y);
    expectClose(Y, bn.y, { rtol: 1e-5, atol: 1e-6 }, 'y');
    // PyTorch's running statistics after one step from (0, 1) pin down the batch mean and variance.
    const n = M,
      mom = bn.momentum;
    const runningMean = Array.from(mean, (m) => mom * m);
    const runningVar = Array.from(invStd, (s) => 1 - mom + mom * (1 / (s * s) - eps) * (n / (n - 1)));
    expectClose(runningMean, bn.running_mean, { rtol: 1e-5 }, 'running mean from mean');
    expectClose(runningVar, bn.running_var, { rtol: 1e-5 }, 'running var from invStd');

    const dX = new Float32Array(M * C),
      dGamma = new Float32Array(C).fill(NaN),
      dBeta = new Float32Array(C).fill(NaN);
    b.batchNormBackward(M, C, 1, f32(bn.x), mean, invStd, f32(bn.gamma), f32(bn.g), dX, dGamma, dBeta);
    expectClose(dX, bn.dx, sumTol(bn.dx), 'dx');
    expectClose(dGamma, bn.dgamma, sumTol(bn.dgamma), 'dgamma');
    expectClose(dBeta, bn.dbeta, sumTol(bn.dbeta), 'dbeta');
  });

  it('inference mode reads mean and invStd and reproduces the training output', () => {
    const { B: M, F: C, eps } = bn;
    const mean = new Float32Array(C),
      invStd = new Float32Array(C),
      Y = new Float32Array(M * C);
    b.batchNormForward(M, C, 1, f32(bn.x), f32(bn.gamma), f32(bn.beta), eps, true, mean, invStd, Y);
    const m2 = mean.slice(),
      s2 = invStd.slice(),
      Y2 = new Float32Array(M * C);
    b.batchNormForward(M, C, 1, f32(bn.x), f32(bn.gamma), f32(bn.beta), eps, false, m2, s2, Y2);
    expect(Array.from(m2)).toEqual(Array.from(mean));
    expect(Array.from(s2)).toEqual(Array.from(invStd));
    expectClose(Y2, Y, { rtol: 1e-6, atol: 1e-7 }, 'y');
    // Statistics of other data: y = (x − 1)·0.5·gamma + beta, whatever the batch holds.
    const ones = new Float32Array(C).fill(1),
      half = new Float32Array(C).fill(0.5),
      Y3 = new Float32Array(M * C);
    b.batchNormForward(M, C, 1, f32(bn.x), f32(bn.gamma), f32(bn.beta), eps, false, ones, half, Y3);
    expectClose(
      Y3,
      bn.x.map((x, i) => (x - 1) * 0.5 * bn.gamma[i % C] + bn.beta[i % C]),
      { rtol: 1e-5, atol: 1e-6 },
      'y',
    );
  });

  it.each([
    [3, 2, 5],
    [2, 3, 7],
    [16, 5, 1],
    [4, 1, 9],
  ])('M=%i C=%i S=%i (spatial layout) matches float64', (M, C, S) => {
    const rng = new Rng(M * 100 + C * 10 + S);
    const X = rng.floats(M * C * S, 2),
      gamma = rng.floats(C),
      beta = rng.floats(C),
      dY = rng.floats(M * C * S);
    for (let i = 0; i < X.length; i++) X[i] += 3; // a mean far from 0: the two-pass variance matters
    const want = batchNorm64(M, C, S, X, gamma, beta, 1e-5, dY);
    const mean = new Float32Array(C),
      invStd = new Float32Array(C),
      Y = new Float32Array(M * C * S);
    b.batchNormForward(M, C, S, X, gamma, beta, 1e-5, true, mean, invStd, Y);
    expectClose(mean, want.mean, { rtol: 1e-5 }, 'mean');
    expectClose(invStd, want.invStd, { rtol: 1e-5 }, 'invStd');
    expectClose(Y, want.Y, sumTol(want.Y), 'y');
    const dX = new Float32Array(M * C * S),
      dGamma = new Float32Array(C),
      dBeta = new Float32Array(C);
    b.batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta);
    expectClose(dX, want.dX, sumTol(want.dX, 1e-4), 'dx');
    expectClose(dGamma, want.dGamma, sumTol(want.dGamma), 'dgamma');
    expectClose(dBeta, want.dBeta, sumTol(want.dBeta), 'dbeta');
  });

  it('a constant channel gives invStd = 1/sqrt(eps) and y = beta, without NaN', () => {
    const X = new Float32Array(8).fill(5),
      mean = new Float32Array(1),
      invStd = new Float32Array(1),
      Y = new Float32Array(8);
    b.batchNormForward(8, 1, 1, X, f32([2]), f32([0.25]), 1e-5, true, mean, invStd, Y);
    expect(mean[0]).toBe(5);
    expectClose(invStd, [1 / Math.sqrt(1e-5)], { rtol: 1e-5 }, 'invStd');
    expect(Array.from(Y)).toEqual(new Array(8).fill(0.25));
  });
});

describe.each(backends)('dropout ($name)', (b) => {
  it.each([
    [0.5, 1],
    [0.9, 123456789],
    [0.1, 0xffffffff],
    [0.999, 0],
  ])('keep=%s seed=%s: the mask is the spec hash, element for element', (keep, seed) => {
    const n = 4099,
      X = new Rng(31).floats(n),
      mask = new Uint8Array(n).fill(7),
      Y = new Float32Array(n);
    b.dropoutForward(n, keep, seed, X, mask, Y);
    const want = Uint8Array.from({ length: n }, (_, i) => (dropoutKeeps(seed, i, keep) ? 1 : 0));
    let firstDiff = -1;
    for (let i = 0; i < n && firstDiff < 0; i++) if (mask[i] !== want[i]) firstDiff = i;
    expect(firstDiff, `first mask element differing from the spec's hash`).toBe(-1);
    const scale = 1 / keep;
    for (let i = 0; i < n; i++) {
      const y = mask[i] ? Math.fround(X[i] * Math.fround(scale)) : 0;
      if (Math.abs(Y[i] - y) > 1e-6 * Math.abs(y)) expect.fail(`Y[${i}] = ${Y[i]}, expected ${y}`);
    }
  });

  it.each([0.2, 0.5, 0.8])('keep=%s keeps that fraction of 200000 elements (within 5 sigma)', (keep) => {
    const n = 200_000,
      mask = new Uint8Array(n),
      Y = new Float32Array(n);
    b.dropoutForward(n, keep, 77, new Float32Array(n).fill(1), mask, Y);
    const kept = mask.reduce((s, m) => s + m, 0);
    expect(Math.abs(kept / n - keep)).toBeLessThan(5 * Math.sqrt((keep * (1 - keep)) / n));
  });

  it('different seeds give different masks; keep = 1 keeps everything unscaled', () => {
    const n = 1000,
      X = new Rng(32).floats(n),
      a = new Uint8Array(n),
      c = new Uint8Array(n),
      Y = new Float32Array(n);
    b.dropoutForward(n, 0.5, 1, X, a, Y);
    b.dropoutForward(n, 0.5, 2, X, c, Y);
    expect(a.some((m, i) => m !== c[i])).toBe(true);
    b.dropoutForward(n, 1, 3, X, a, Y);
    expect(a.every((m) => m === 1)).toBe(true);
    expect(Array.from(Y)).toEqual(Array.from(X));
  });

  it('backward: dX = dY·mask/keep, in place too', () => {
    const n = 513,
      keep = 0.7,
      mask = new Uint8Array(n),
      X = new Rng(33).floats(n),
      Y = new Float32Array(n);
    b.dropoutForward(n, keep, 9, X, mask, Y);
    const dY = new Rng(34).floats(n),
      dX = new Float32Array(n).fill(NaN);
    b.dropoutBackward(n, keep, mask, dY, dX);
    const want = Array.from(dY, (g, i) => (mask[i] ? Math.fround(g * Math.fround(1 / keep)) : 0));
    expectClose(dX, want, { rtol: 1e-6 }, 'dX');
    b.dropoutBackward(n, keep, mask, dY, dY);
    expectClose(dY, want, { rtol: 1e-6 }, 'dX over dY');
  });

  it('forward in place (Y = X) gives the same as out of place', () => {
    const n = 100,
      X = new Rng(35).floats(n),
      Y = new Float32Array(n),
      mask = new Uint8Array(n),
      mask2 = new Uint8Array(n);
    b.dropoutForward(n, 0.6, 5, X, mask, Y);
    b.dropoutForward(n, 0.6, 5, X, mask2, X);
    expect(Array.from(X)).toEqual(Array.from(Y));
    expect(Array.from(mask2)).toEqual(Array.from(mask));
  });
});
