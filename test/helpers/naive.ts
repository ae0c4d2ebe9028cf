/**
 * Straightforward float64 versions of the kernels, written from the spec (PyTorch's definitions), to
 * check the backends where no PyTorch reference file covers a case (other shapes, parameters, options).
 * Slow on purpose: one obvious loop per formula, so a reader can check them against the spec by eye.
 */
import { normalCdf } from '../../lib/backend/js/activations.js';
import type { ActivationKind } from '../../lib/index.js';

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const sig = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** GELU's tanh approximation's u = √(2/π)·(x + 0.044715x³). */
const geluU = (x: number) => Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);
/** log(1 + e^x), no threshold (Mish's). */
const softplus64 = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** alpha·op(A)·op(B) + beta·C in float64; beta = 0 never reads C. */
export function gemm64(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
  beta: number,
  C: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[transA ? k * M + i : i * K + k] * B[transB ? j * K + k : k * N + j];
      out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
    }
  }
  return out;
}

export function act64(kind: ActivationKind, param: number, x: number): number {
  switch (kind) {
    case 'linear':
      return x;
    case 'sigmoid':
      return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.max(x, 0);
    case 'leaky_relu':
      return x > 0 ? x : param * x;
    case 'elu':
      return x > 0 ? x : param * Math.expm1(x);
    case 'softplus':
      return x > 20 ? x : Math.log1p(Math.exp(x));
    case 'gelu': // x·Φ(x); Φ is the js backend's erfc-based one (JavaScript has no erf)
      return x * normalCdf(x);
    case 'gelu_tanh': // 0.5x(1 + tanh u), written x·σ(2u) so the far negative tail does not cancel
      return x * sig(2 * geluU(x));
    case 'silu':
      return x * sig(x);
    case 'selu':
      return SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
    case 'mish':
      return x * Math.tanh(softplus64(x));
    case 'softsign':
      return x / (1 + Math.abs(x));
    case 'hardsigmoid':
      return Math.min(Math.max(x + 3, 0), 6) / 6;
    case 'relu6':
      return Math.min(Math.max(x, 0), 6);
  }
}

/** g·f'(x), from x (and y where the spec uses it). */
export function actGrad64(kind: ActivationKind, param: number, x: number, y: number, g: number): number {
  switch (kind) {
    case 'linear':
      return g;
    case 'sigmoid':
      return g * y * (1 - y);
    case 'tanh':
      return g * (1 - y * y);
    case 'relu':
      return x > 0 ? g : 0;
    case 'leaky_relu':
      return x > 0 ? g : g * param;
    case 'elu':
      return x > 0 ? g : g * param * Math.exp(x);
    case 'softplus': {
      if (x > 20) return g;
      const z = Math.exp(x);
      return (g * z) / (z + 1);
    }
    case 'gelu':
      return g * (normalCdf(x) + (x * Math.exp((-x * x) / 2)) / Math.sqrt(2 * Math.PI));
    case 'gelu_tanh': {
      const s = sig(2 * geluU(x));
      return g * (s + 2 * x * s * sig(-2 * geluU(x)) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * x * x));
    }
    case 'silu':
      return g * (sig(x) + x * sig(x) * sig(-x));
    case 'selu':
      return g * SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x));
    case 'mish': {
      const t = Math.tanh(softplus64(x));
      return g * (t + x * sig(x) * (1 - t * t));
    }
    case 'softsign':
      return g / (1 + Math.abs(x)) ** 2;
    case 'hardsigmoid':
      return x > -3 && x < 3 ? g / 6 : 0;
    case 'relu6':
      return x > 0 && x < 6 ? g : 0;
  }
}

/** Row-wise stable softmax in float64. */
export function softmax64(M: number, N: number, X: ArrayLike<number>): Float64Array {
  const Y = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, X[i * N + j]);
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(X[i * N + j] - m);
    for (let j = 0; j < N; j++) Y[i * N + j] = Math.exp(X[i * N + j] - m) / s;
  }
  return Y;
}

/** Soft-target cross-entropy: mean loss and d loss / d logits, in float64. */
export function softXent64(
  M: number,
  N: number,
  Z: ArrayLike<number>,
  T: ArrayLike<number>,
): { loss: number; grad: Float64Array; probs: Float64Array } {
  const probs = softmax64(M, N, Z);
  const grad = new Float64Array(M * N);
  let loss = 0;
  for (let i = 0; i < M; i++) {
    let m = -Infinity;
    for (let j = 0; j < N; j++) m = Math.max(m, Z[i * N + j]);
    let s = 0,
      tsum = 0;
    for (let j = 0; j < N; j++) {
      s += Math.exp(Z[i * N + j] - m);
      tsum += T[i * N + j];
    }
    const lse = m + Math.log(s);
    for (let j = 0; j < N; j++) {
      loss += T[i * N + j] * (lse - Z[i * N + j]);
      grad[i * N + j] = (probs[i * N + j] * tsum - T[i * N + j]) / M;
    }
  }
  return { loss: M === 0 ? 0 : loss / M, grad, probs };
}

/** Batch norm over [M][C][S] in float64: training statistics, Y, and the backward. */
export function batchNorm64(
  M: number,
  C: number,
  S: number,
  X: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  eps: number,
  dY: ArrayLike<number>,
) {
  const n = M * S,
    at = (i: number, c: number, s: number) => (i * C + c) * S + s;
  const mean = new Float64Array(C),
    invStd = new Float64Array(C),
    Y = new Float64Array(M * C * S);
  const dX = new Float64Array(M * C * S),
    dGamma = new Float64Array(C),
    dBeta = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s1 = 0;
    for (let i = 0; i < M; i++) for (let s = 0; s < S; s++) s1 += X[at(i, c, s)];
    const mu = s1 / n;
    let s2 = 0;
    for (let i = 0; i < M; i++) for (let s = 0; s < S; s++) s2 += (X[at(i, c, s)] - mu) ** 2;
    const inv = 1 / Math.sqrt(s2 / n + eps);
    mean[c] = mu;
    invStd[c] = inv;
    let db = 0,
      dg = 0;
    for (let i = 0; i < M; i++)
      for (let s = 0; s < S; s++) {
        const xhat = (X[at(i, c, s)] - mu) * inv;
        Y[at(i, c, s)] = xhat * gamma[c] + beta[c];
        db += dY[at(i, c, s)];
        dg += dY[at(i, c, s)] * xhat;
      }
    dBeta[c] = db;
    dGamma[c] = dg;
    for (let i = 0; i < M; i++)
      for (let s = 0; s < S; s++) {
        const xhat = (X[at(i, c, s)] - mu) * inv;
        dX[at(i, c, s)] = ((gamma[c] * inv) / n) * (n * dY[at(i, c, s)] - db - xhat * dg);
      }
  }
  return { mean, invStd, Y, dX, dGamma, dBeta };
}

/** The dropout hash of the spec, written independently of the backends: keep element i of `seed`? */
export function dropoutKeeps(seed: number, i: number, keep: number): boolean {
  let x = (Math.imul(i, 0x9e3779b9) ^ seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97) >>> 0;
  x ^= x >>> 15;
  return x >>> 8 < Math.floor(keep * 2 ** 24);
}
