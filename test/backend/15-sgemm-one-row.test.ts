/**
 * sgemm with one row (M = 1), which the native backend computes as a matrix-vector product (native/gemm.cc):
 * every transposition, alpha and beta, odd sizes, against float64, and beta = 0 never reading C (NaN there).
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { gemm64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';

describe.each(backends)('sgemm, one row ($name)', (b) => {
  const N = 37,
    K = 53;
  const rng = new Rng(23);
  const A = rng.floats(K),
    B = rng.floats(K * N),
    C0 = rng.floats(N);

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('transA=%s transB=%s: alpha·op(A)·op(B) + beta·C, beta 0 and 0.5', (tA, tB) => {
    for (const beta of [0, 0.5]) {
      const C = beta === 0 ? new Float32Array(N).fill(NaN) : C0.slice();
      const want = gemm64(tA, tB, 1, N, K, -1.5, A, B, beta, beta === 0 ? new Float32Array(N) : C0);
      b.sgemm(tA, tB, 1, N, K, -1.5, A, B, beta, C);
      expect(C.every(Number.isFinite)).toBe(true);
      expectClose(C, want, normwise(want), `C (beta ${beta})`);
    }
  });
});
