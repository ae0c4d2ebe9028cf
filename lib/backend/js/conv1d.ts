/**
 * 1-D convolution over [N, C, L] lowered to GEMM, the specification of native/conv1d.cc: the 1-D case of conv.ts.
 * im2col copies every window of a row into one column of `cols` (rows ordered c, j as the O×C×k weight is), so row n
 * is one product Y_n (O×OW) = weight (O×C·k) · cols (C·k×OW); backward: dWeight += dY_n·colsᵀ, dX_n = col2im(weightᵀ·dY_n).
 */
import { windowOutput } from './conv.js';
import { sgemm } from './sgemm.js';

/** im2col of the C×L row starting at X[xOff]: cols[(c·k + j)·OW + o] = X[c, o·stride − pad + j·dilation], 0 in the padding. */
function im2col1d(
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  dilation: number,
  X: Float32Array,
  xOff: number,
  cols: Float32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, dilation);
  for (let c = 0, dst = 0; c < C; c++) {
    const row = xOff + c * L;
    for (let j = 0; j < k; j++) {
      for (let o = 0; o < OW; o++, dst++) {
        const i = o * stride - pad + j * dilation;
        cols[dst] = i >= 0 && i < L ? X[row + i] : 0;
      }
    }
  }
}

/** col2im into the C×L row starting at X[xOff]: zeroes it, then adds every column entry back to the value it came from. */
function col2im1d(
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  dilation: number,
  cols: Float32Array,
  X: Float32Array,
  xOff: number,
): void {
  const OW = windowOutput(L, k, stride, pad, dilation);
  X.fill(0, xOff, xOff + C * L);
  for (let c = 0, src = 0; c < C; c++) {
    const row = xOff + c * L;
    for (let j = 0; j < k; j++) {
      for (let o = 0; o < OW; o++, src++) {
        const i = o * stride - pad + j * dilation;
        if (i >= 0 && i < L) X[row + i] += cols[src];
      }
    }
  }
}

export function conv1dForward(
  N: number,
  C: number,
  L: number,
  O: number,
  k: number,
  stride: number,
  pad: number,
  dilation: number,
  X: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  cols: Float32Array,
  Y: Float32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, dilation);
  const K = C * k;
  for (let n = 0; n < N; n++) {
    im2col1d(C, L, k, stride, pad, dilation, X, n * C * L, cols);
    // The bias is added to the product once rounded to float32, as PyTorch, native and conv2dForward do.
    const y = Y.subarray(n * O * OW, (n + 1) * O * OW);
    sgemm(false, false, O, OW, K, 1, weight, cols, 0, y);
    if (bias !== null) {
      for (let o = 0; o < O; o++) {
        const b = bias[o];
        for (let p = o * OW, end = (o + 1) * OW; p < end; p++) y[p] += b;
      }
    }
  }
}

export function conv1dBackward(
  N: number,
  C: number,
  L: number,
  O: number,
  k: number,
  stride: number,
  pad: number,
  dilation: number,
  X: Float32Array,
  weight: Float32Array,
  dY: Float32Array,
  cols: Float32Array,
  beta: number,
  dWeight: Float32Array,
  dBias: Float32Array | null,
  dX: Float32Array | null,
): void {
  const OW = windowOutput(L, k, stride, pad, dilation);
  const K = C * k;
  if (dBias !== null) {
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let p = (n * O + o) * OW, end = p + OW; p < end; p++) s += dY[p];
      dBias[o] = beta === 0 ? s : beta * dBias[o] + s;
    }
  }
  // No rows: dWeight = beta·dWeight, what the loop below would have left.
  if (N === 0) for (let i = 0; i < O * K; i++) dWeight[i] = beta === 0 ? 0 : beta * dWeight[i];
  for (let n = 0; n < N; n++) {
    const dy = dY.subarray(n * O * OW, (n + 1) * O * OW);
    im2col1d(C, L, k, stride, pad, dilation, X, n * C * L, cols);
    // dWeight (O×K) += dY_n (O×OW) · colsᵀ (OW×K); the first row applies beta.
    sgemm(false, true, O, K, OW, 1, dy, cols, n === 0 ? beta : 1, dWeight);
    if (dX !== null) {
      // cols (K×OW) = weightᵀ (K×O) · dY_n (O×OW), then summed back into the row.
      sgemm(true, false, K, OW, O, 1, weight, dy, 0, cols);
      col2im1d(C, L, k, stride, pad, dilation, cols, dX, n * C * L);
    }
  }
}
