/** sgemm: the 16 PyTorch cases, BLAS's beta = 0 / alpha = 0 / K = 0 rules, degenerate sizes, alpha/beta mixes. */
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { gemm64 } from '../helpers/naive.js';
import { Rng } from '../helpers/random.js';
import { normwise } from '../helpers/tolerances.js';
import { reference, type SgemmRef } from '../helpers/reference.js';

const ref = reference<SgemmRef>('sgemm');

/** Products are compared norm-wise (helpers/tolerances.ts): entries that cancel have no meaningful relative error. */
const matrixTol = normwise;

describe.each(backends)('sgemm ($name)', (b) => {
  it.each(ref.cases.map((c, i) => ({ ...c, i })))(
    'reference case $i: transA=$transA transB=$transB $M×$N×$K alpha=$alpha beta=$beta',
    (c) => {
      const C = f32(c.C);
      b.sgemm(c.transA, c.transB, c.M, c.N, c.K, c.alpha, f32(c.A), f32(c.B), c.beta, C);
      expectClose(C, c.out, matrixTol(c.out), 'C');
    },
  );

  it('beta = 0 ignores NaN and Infinity already in C', () => {
    const rng = new Rng(11);
    const A = rng.floats(4 * 5),
      B = rng.floats(5 * 3);
    const C = new Float32Array(12).fill(NaN);
    C[3] = Infinity;
    C[7] = -Infinity;
    b.sgemm(false, false, 4, 3, 5, 1.5, A, B, 0, C);
    expect(C.every(Number.isFinite)).toBe(true);
    const want = gemm64(false, false, 4, 3, 5, 1.5, A, B, 0, C);
    expectClose(C, want, matrixTol(want), 'C');
  });

  it('K = 0 gives C = beta·C, and exactly 0 when beta = 0 (even over NaN)', () => {
    const C = f32([1, -2, 3, NaN]);
    b.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0, C);
    expect(Array.from(C)).toEqual([0, 0, 0, 0]);
    const D = f32([1, -2, 3, 4]);
    b.sgemm(true, true, 2, 2, 0, 3, new Float32Array(0), new Float32Array(0), 0.5, D);
    expect(Array.from(D)).toEqual([0.5, -1, 1.5, 2]);
  });

  it('alpha = 0 gives C = beta·C without reading A or B', () => {
    const A = new Float32Array(6).fill(NaN),
      B = new Float32Array(6).fill(Infinity);
    const C = f32([1, 2, 3, 4]);
    b.sgemm(false, false, 2, 2, 3, 0, A, B, -2, C);
    expect(Array.from(C)).toEqual([-2, -4, -6, -8]);
    const D = f32([NaN, 1, 2, 3]);
    b.sgemm(false, true, 2, 2, 3, 0, A, B, 0, D);
    expect(Array.from(D)).toEqual([0, 0, 0, 0]);
  });

  it.each([
    [0, 3, 4],
    [3, 0, 4],
    [0, 0, 0],
    [0, 5, 0],
  ])('M=%i N=%i K=%i writes nothing', (M, N, K) => {
    const C = f32([7, 8, 9]);
    b.sgemm(false, false, M, N, K, 1, new Float32Array(M * K), new Float32Array(K * N), 0, C);
    expect(Array.from(C)).toEqual([7, 8, 9]);
  });

  it.each([
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ])('1×1×1 (transA=%s transB=%s)', (tA, tB) => {
    const C = f32([10]);
    b.sgemm(tA, tB, 1, 1, 1, 2, f32([3]), f32([-4]), 0.5, C);
    expect(C[0]).toBe(-19);
  });

  it.each([
    [1, 1, 9],
    [1, 9, 1],
    [9, 1, 1],
    [1, 17, 33],
    [33, 1, 17],
    [17, 33, 1],
  ])('sizes of 1: M=%i N=%i K=%i, every transpose pair', (M, N, K) => {
    const rng = new Rng(M * 100 + N * 10 + K);
    for (const [tA, tB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      const A = rng.floats(M * K),
        B = rng.floats(K * N),
        C0 = rng.floats(M * N);
      const C = C0.slice();
      b.sgemm(tA, tB, M, N, K, 0.75, A, B, 0.25, C);
      const want = gemm64(tA, tB, M, N, K, 0.75, A, B, 0.25, C0);
      expectClose(C, want, matrixTol(want), `C (transA=${tA} transB=${tB})`);
    }
  });

  const alphas = [1, -1, 0.5, 3];
  const betas = [0, 1, -0.5, 2];
  it.each(alphas.flatMap((a) => betas.map((be) => [a, be])))(
    'alpha=%s beta=%s on 7×9×5 with a longer C left untouched past M·N',
    (alpha, beta) => {
      const rng = new Rng(1000 + alpha * 10 + beta);
      const M = 7,
        N = 9,
        K = 5;
      for (const [tA, tB] of [
        [false, false],
        [true, true],
      ] as const) {
        const A = rng.floats(M * K),
          B = rng.floats(K * N),
          C0 = rng.floats(M * N);
        const C = new Float32Array(M * N + 5).fill(42);
        C.set(C0);
        b.sgemm(tA, tB, M, N, K, alpha, A, B, beta, C);
        const want = gemm64(tA, tB, M, N, K, alpha, A, B, beta, C0);
        expectClose(C.subarray(0, M * N), want, matrixTol(want), 'C');
        expect(Array.from(C.subarray(M * N))).toEqual([42, 42, 42, 42, 42]);
      }
    },
  );

  it('works on subarray views at an offset (A, B and C inside one buffer, not overlapping)', () => {
    const rng = new Rng(5);
    const M = 5,
      N = 6,
      K = 7;
    const pool = rng.floats(M * K + K * N + M * N + 3);
    const A = pool.subarray(1, 1 + M * K),
      B = pool.subarray(2 + M * K, 2 + M * K + K * N);
    const C = pool.subarray(3 + M * K + K * N);
    const C0 = C.slice();
    b.sgemm(false, true, M, N, K, 1, A, B, 1, C);
    const want = gemm64(false, true, M, N, K, 1, A, B, 1, C0);
    expectClose(C, want, matrixTol(want), 'C');
  });
});
