/**
 * The dense layer's kernels, built on sgemm: the bias helpers and the layer's fused forward and backward.
 * sgemm itself lives in sgemm.ts (it is long enough to deserve its own file) and is re-exported here.
 */
import type { ActivationKind } from '../contract.js';
import { activationBackward, activationForward } from './activations.js';
import { Scratch } from './scratch.js';
import { sgemm } from './sgemm.js';

export { sgemm };

/** Y[i,j] += bias[j]. */
export function biasAdd(M: number, N: number, bias: Float32Array, Y: Float32Array): void {
  for (let i = 0, row = 0; i < M; i++, row += N) {
    for (let j = 0; j < N; j++) Y[row + j] += bias[j];
  }
}

const columnSums = new Scratch();

/** out[j] = beta·out[j] + Σ_i X[i,j], summed in double; beta = 0 never reads out. */
export function colSum(M: number, N: number, X: Float32Array, beta: number, out: Float32Array): void {
  // Row by row (the memory order of X) into a double accumulator per column, rather than down each column.
  const acc = columnSums.get(N);
  acc.fill(0, 0, N);
  for (let i = 0, row = 0; i < M; i++, row += N) {
    for (let j = 0; j < N; j++) acc[j] += X[row + j];
  }
  if (beta === 0) for (let j = 0; j < N; j++) out[j] = acc[j];
  else for (let j = 0; j < N; j++) out[j] = beta * out[j] + acc[j];
}

/** Z = X·W + bias, Y = f(Z); with Z null (linear only) Y = X·W + bias. */
export function denseForward(
  M: number,
  N: number,
  K: number,
  X: Float32Array,
  W: Float32Array,
  bias: Float32Array | null,
  kind: ActivationKind,
  param: number,
  Z: Float32Array | null,
  Y: Float32Array,
): void {
  const out = Z ?? Y;
  // The bias is added to the product once it is rounded to float32, as PyTorch's addmm does (OpenBLAS adds its
  // float accumulator to C = the broadcast bias) and as the native kernel does.
  sgemm(false, false, M, N, K, 1, X, W, 0, out);
  if (bias !== null) biasAdd(M, N, bias, out);
  if (Z !== null) activationForward(kind, param, M * N, Z, Y);
  else if (kind !== 'linear') activationForward(kind, param, M * N, Y, Y);
}

/** The dense layer's backward: dZ = dY·f'(Z); dW = beta·dW + Xᵀ·dZ; dBias = beta·dBias + colsum(dZ); dX = dZ·Wᵀ. */
export function denseBackward(
  M: number,
  N: number,
  K: number,
  X: Float32Array,
  W: Float32Array,
  kind: ActivationKind,
  param: number,
  Z: Float32Array | null,
  Y: Float32Array,
  dY: Float32Array,
  dZ: Float32Array,
  beta: number,
  dW: Float32Array,
  dBias: Float32Array | null,
  dX: Float32Array | null,
): void {
  // Z is only null for linear, whose backward never reads it; Y stands in to keep the types simple.
  activationBackward(kind, param, M * N, Z ?? Y, Y, dY, dZ);
  // dW (K×N) = Xᵀ (K×M, X stored M×K) · dZ (M×N).
  sgemm(true, false, K, N, M, 1, X, dZ, beta, dW);
  if (dBias !== null) colSum(M, N, dZ, beta, dBias);
  // dX (M×K) = dZ (M×N) · Wᵀ (N×K, W stored K×N).
  if (dX !== null) sgemm(false, true, M, K, N, 1, dZ, W, 0, dX);
}
