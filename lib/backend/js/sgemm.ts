/**
 * Single-precision GEMM in TypeScript: C = alpha·op(A)·op(B) + beta·C, row-major, BLAS semantics.
 *
 * Why it is shaped like this: a plain i-j-k loop runs at ≈1 GFLOP/s because every element access pays a
 * bounds check and the inner loop reloads C. GotoBLAS-style blocking fixes both: op(A) and op(B) are
 * copied ("packed") into Float64Array panels laid out in exactly the order the micro-kernel reads them
 * (so transposes cost nothing in the hot loop and loads are sequential), and a 4×3 tile of C lives in
 * twelve local doubles for the whole K loop. Products accumulate in double across all of K (in a
 * double scratch between K blocks), and each C element is rounded to float32 exactly once, at the end.
 * All working space is module-level and grow-only, so a call allocates nothing once warmed up.
 */
import { Scratch } from './scratch.js';

/** Micro-tile: rows of op(A) × columns of op(B) held in registers (see multiplyPanels for why 4×3). The
 *  unrolled code below is written for exactly these values. */
const MR = 4;
const NR = 3;
/** Block sizes (multiples of MR/NR). They bound the scratch at 3 × 512 KB whatever the sizes, keep a B micro-panel
 *  (KC·NR doubles) in L1, and MC = 256 covers a whole training batch so B is packed once. Measured on the
 *  target machine, 64…512 in any of them lands within ±5% at 512³: V8's bounds checks, not the caches, set
 *  the pace (the micro-kernel takes ≈ 95% of the time, packing and write-back the rest). */
const MC = 256;
const NC = 255;
const KC = 256;

const packedA = new Scratch();
const packedB = new Scratch();
const accumulator = new Scratch();

export function sgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  B: Float32Array,
  beta: number,
  C: Float32Array,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0 || alpha === 0) {
    scaleMatrix(M * N, beta, C);
    return;
  }
  const Ap = packedA.get(MC * KC);
  const Bp = packedB.get(KC * NC);
  const acc = accumulator.get(MC * NC);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    const nPanels = Math.ceil(nc / NR);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = Math.min(MC, M - ic);
      const mPanels = Math.ceil(mc / MR);
      acc.fill(0, 0, mPanels * nPanels * MR * NR);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = Math.min(KC, K - pc);
        if (transB) packBTransposed(B, K, pc, kc, jc, nc, Bp);
        else packB(B, N, pc, kc, jc, nc, Bp);
        if (transA) packATransposed(A, M, ic, mc, pc, kc, Ap);
        else packA(A, K, ic, mc, pc, kc, Ap);
        multiplyPanels(mPanels, nPanels, kc, Ap, Bp, acc);
      }
      writeBlock(ic, mc, jc, nc, nPanels, N, alpha, beta, acc, C);
    }
  }
}

/** C = beta·C over n elements; beta = 0 writes exact zeros without reading C (NaN in C is ignored, as in BLAS). */
function scaleMatrix(n: number, beta: number, C: Float32Array): void {
  if (beta === 1) return;
  if (beta === 0) {
    C.fill(0, 0, n);
    return;
  }
  for (let i = 0; i < n; i++) C[i] *= beta;
}

/** op(A) rows [ic, ic+mc) × columns [pc, pc+kc) from A stored M×K, as MR-row panels: Ap[p·kc·MR + k·MR + r]. Missing rows are zero. */
function packA(A: Float32Array, K: number, ic: number, mc: number, pc: number, kc: number, Ap: Float64Array): void {
  for (let p = 0; p * MR < mc; p++) {
    const base = p * kc * MR;
    for (let r = 0; r < MR; r++) {
      const row = p * MR + r;
      if (row < mc) {
        let src = (ic + row) * K + pc;
        for (let k = 0, dst = base + r; k < kc; k++, dst += MR) Ap[dst] = A[src++];
      } else {
        for (let k = 0, dst = base + r; k < kc; k++, dst += MR) Ap[dst] = 0;
      }
    }
  }
}

/** The same panels when A is stored K×M (op(A) = Aᵀ): each k gives MR contiguous values. */
function packATransposed(A: Float32Array, M: number, ic: number, mc: number, pc: number, kc: number, Ap: Float64Array): void {
  for (let p = 0; p * MR < mc; p++) {
    const rows = Math.min(MR, mc - p * MR);
    let dst = p * kc * MR;
    for (let k = 0; k < kc; k++, dst += MR) {
      const src = (pc + k) * M + ic + p * MR;
      if (rows === MR) {
        Ap[dst] = A[src];
        Ap[dst + 1] = A[src + 1];
        Ap[dst + 2] = A[src + 2];
        Ap[dst + 3] = A[src + 3];
      } else {
        for (let r = 0; r < MR; r++) Ap[dst + r] = r < rows ? A[src + r] : 0;
      }
    }
  }
}

/**
 * op(B) rows [pc, pc+kc) × columns [jc, jc+nc) from B stored K×N, as NR-column panels: Bp[q·kc·NR + k·NR + c].
 * Missing columns are zero.
 */
function packB(B: Float32Array, N: number, pc: number, kc: number, jc: number, nc: number, Bp: Float64Array): void {
  for (let q = 0; q * NR < nc; q++) {
    const cols = Math.min(NR, nc - q * NR);
    let dst = q * kc * NR;
    for (let k = 0; k < kc; k++, dst += NR) {
      const src = (pc + k) * N + jc + q * NR;
      if (cols === NR) {
        Bp[dst] = B[src];
        Bp[dst + 1] = B[src + 1];
        Bp[dst + 2] = B[src + 2];
      } else {
        for (let c = 0; c < NR; c++) Bp[dst + c] = c < cols ? B[src + c] : 0;
      }
    }
  }
}

/** The same panels when B is stored N×K (op(B) = Bᵀ): each column of op(B) is a contiguous row of B. */
function packBTransposed(B: Float32Array, K: number, pc: number, kc: number, jc: number, nc: number, Bp: Float64Array): void {
  for (let q = 0; q * NR < nc; q++) {
    const base = q * kc * NR;
    for (let c = 0; c < NR; c++) {
      const col = q * NR + c;
      if (col < nc) {
        let src = (jc + col) * K + pc;
        for (let k = 0, dst = base + c; k < kc; k++, dst += NR) Bp[dst] = B[src++];
      } else {
        for (let k = 0, dst = base + c; k < kc; k++, dst += NR) Bp[dst] = 0;
      }
    }
  }
}

/**
 * acc += Ap·Bp for every MR×NR tile of the block. acc holds tiles contiguously: tile (p, q) at
 * (p·nPanels + q)·MR·NR, row-major inside. The B panel is the outer loop so it stays in L1 while the
 * A panels stream past it. Inside, one B value is loaded at a time and multiplied into a whole column
 * of the tile: 12 accumulators + 4 A values + 1 B value fit the 16+1 registers V8 has to play with far
 * better than a 4×4 tile (measured: 4×3 ≈ 5.4 GFLOP/s in this loop, 4×4 ≈ 5.0, 4×2 ≈ 3.8).
 */
function multiplyPanels(mPanels: number, nPanels: number, kc: number, Ap: Float64Array, Bp: Float64Array, acc: Float64Array): void {
  for (let q = 0; q < nPanels; q++) {
    const bBase = q * kc * NR;
    for (let p = 0; p < mPanels; p++) {
      const t = (p * nPanels + q) * MR * NR;
      let c00 = acc[t],
        c01 = acc[t + 1],
        c02 = acc[t + 2];
      let c10 = acc[t + 3],
        c11 = acc[t + 4],
        c12 = acc[t + 5];
      let c20 = acc[t + 6],
        c21 = acc[t + 7],
        c22 = acc[t + 8];
      let c30 = acc[t + 9],
        c31 = acc[t + 10],
        c32 = acc[t + 11];
      let a = p * kc * MR;
      let b = bBase;
      const aEnd = a + kc * MR;
      for (; a < aEnd; a += MR, b += NR) {
        const a0 = Ap[a],
          a1 = Ap[a + 1],
          a2 = Ap[a + 2],
          a3 = Ap[a + 3];
        let bj = Bp[b];
        c00 += a0 * bj;
        c10 += a1 * bj;
        c20 += a2 * bj;
        c30 += a3 * bj;
        bj = Bp[b + 1];
        c01 += a0 * bj;
        c11 += a1 * bj;
        c21 += a2 * bj;
        c31 += a3 * bj;
        bj = Bp[b + 2];
        c02 += a0 * bj;
        c12 += a1 * bj;
        c22 += a2 * bj;
        c32 += a3 * bj;
      }
      acc[t] = c00;
      acc[t + 1] = c01;
      acc[t + 2] = c02;
      acc[t + 3] = c10;
      acc[t + 4] = c11;
      acc[t + 5] = c12;
      acc[t + 6] = c20;
      acc[t + 7] = c21;
      acc[t + 8] = c22;
      acc[t + 9] = c30;
      acc[t + 10] = c31;
      acc[t + 11] = c32;
    }
  }
}

/** C block = alpha·acc + beta·C, one float32 rounding per element; beta = 0 never reads C. Walks tile by tile,
 *  writing only the rows and columns that exist (edge tiles were padded with zeros). */
function writeBlock(
  ic: number,
  mc: number,
  jc: number,
  nc: number,
  nPanels: number,
  N: number,
  alpha: number,
  beta: number,
  acc: Float64Array,
  C: Float32Array,
): void {
  for (let p = 0; p * MR < mc; p++) {
    const rows = Math.min(MR, mc - p * MR);
    for (let q = 0; q < nPanels; q++) {
      const cols = Math.min(NR, nc - q * NR);
      const t = (p * nPanels + q) * MR * NR;
      for (let r = 0; r < rows; r++) {
        const c0 = (ic + p * MR + r) * N + jc + q * NR;
        const a0 = t + r * NR;
        if (beta === 0) for (let c = 0; c < cols; c++) C[c0 + c] = alpha * acc[a0 + c];
        else for (let c = 0; c < cols; c++) C[c0 + c] = alpha * acc[a0 + c] + beta * C[c0 + c];
      }
    }
  }
}
