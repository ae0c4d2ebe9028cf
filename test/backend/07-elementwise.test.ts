/** axpy, scale, addScalar, fill, copy, mul, sum, and the thread-count pair. */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose, expectCloseScalar, f32 } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';

describe.each(backends)('elementwise helpers ($name)', (b) => {
  const n = 1031; // not a multiple of any vector width
  const rng = new Rng(51);
  const X = rng.floats(n),
    Y0 = rng.floats(n);

  it('axpy: Y += alpha·X, only the first n, and with Y = X', () => {
    const Y = new Float32Array(n + 2).fill(3);
    Y.set(Y0);
    b.axpy(n, -0.75, X, Y);
    expectClose(
      Y.subarray(0, n),
      Array.from(Y0, (y, i) => y - 0.75 * X[i]),
      { rtol: 1e-6, atol: 1e-7 },
      'Y',
    );
    expect([Y[n], Y[n + 1]]).toEqual([3, 3]);
    const Z = X.slice();
    b.axpy(n, 2, Z, Z);
    expectClose(
      Z,
      Array.from(X, (x) => 3 * x),
      { rtol: 1e-6 },
      'Y = X',
    );
  });

  it('scale: X *= alpha (alpha = 0 gives zeros)', () => {
    const Z = X.slice();
    b.scale(n, 1.5, Z);
    expectClose(
      Z,
      Array.from(X, (x) => 1.5 * x),
      { rtol: 1e-6 },
      'X',
    );
    b.scale(n, 0, Z);
    expect(Z.every((v) => v === 0)).toBe(true);
  });

  it('addScalar: X += value in float32, exactly n elements (NaN stays NaN)', () => {
    const Z = new Float32Array(n + 1).fill(7);
    Z.set(X);
    Z[5] = NaN;
    b.addScalar(n, -0.3, Z);
    expect(Array.from(Z.subarray(0, n))).toEqual(Array.from(X, (x, i) => (i === 5 ? NaN : Math.fround(x + Math.fround(-0.3)))));
    expect(Z[n]).toBe(7);
    b.addScalar(2, Infinity, Z);
    b.addScalar(1, NaN, Z);
    expect([Z[0], Z[1]]).toEqual([NaN, Infinity]);
  });

  it('fill and copy write exactly n elements', () => {
    const Z = new Float32Array(n + 1);
    b.fill(n, -2.5, Z);
    expect(Z.subarray(0, n).every((v) => v === -2.5)).toBe(true);
    expect(Z[n]).toBe(0);
    b.copy(n, X, Z);
    expect(Array.from(Z.subarray(0, n))).toEqual(Array.from(X));
    expect(Z[n]).toBe(0);
  });

  it('mul: Z = X ⊙ Y, also in place', () => {
    const Z = new Float32Array(n);
    b.mul(n, X, Y0, Z);
    expect(Array.from(Z)).toEqual(Array.from(X, (x, i) => Math.fround(x * Y0[i])));
    const W = X.slice();
    b.mul(n, W, W, W);
    expect(Array.from(W)).toEqual(Array.from(X, (x) => Math.fround(x * x)));
  });

  it('sum accumulates in double: a million values near 1 to 1e-6', () => {
    const big = new Float32Array(1_000_000);
    let want = 0;
    for (let i = 0; i < big.length; i++) {
      big[i] = 1 + (i % 7) * 1e-3;
      want += big[i];
    }
    expectCloseScalar(b.sum(big.length, big), want, { rtol: 1e-6 }, 'sum');
    expect(b.sum(0, big)).toBe(0);
    expect(b.sum(3, f32([1, 2, 3, 100]))).toBe(6);
  });

  it('works the same on SharedArrayBuffer-backed arrays', () => {
    const sx = new Float32Array(new SharedArrayBuffer(4 * n)),
      sy = new Float32Array(new SharedArrayBuffer(4 * n));
    sx.set(X);
    sy.set(Y0);
    b.axpy(n, 0.5, sx, sy);
    const plain = Y0.slice();
    b.axpy(n, 0.5, X, plain);
    expect(Array.from(sy)).toEqual(Array.from(plain));
    expectCloseScalar(b.sum(n, sx), b.sum(n, X), { rtol: 0 }, 'sum');
  });
});

describe.each(backends)('thread count ($name)', (b) => {
  it(b.name === 'js' ? 'js always reports 1 and ignores the request' : 'native round-trips setNumThreads / getNumThreads', () => {
    const before = b.getNumThreads();
    expect(Number.isInteger(before) && before >= 1).toBe(true);
    try {
      b.setNumThreads(2);
      expect(b.getNumThreads()).toBe(b.name === 'js' ? 1 : 2);
      b.setNumThreads(1);
      expect(b.getNumThreads()).toBe(1);
    } finally {
      b.setNumThreads(before);
    }
    expect(b.getNumThreads()).toBe(before);
  });
});
