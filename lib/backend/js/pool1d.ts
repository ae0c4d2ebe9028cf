/**
 * 1-D pooling over N·C independent rows of L values, the specification of native/pool1d.cc: windows of k with a
 * stride and a padding of at most k/2, so every window holds at least one real value (checked.ts refuses more).
 * Max pooling follows PyTorch: padding never wins, ties keep the first maximum, NaN wins (a later NaN replaces an
 * earlier one, as PyTorch's `val > max || isnan(val)` does). Average pooling divides by k whatever the padding
 * (count_include_pad = true). A global pool is the window k = stride = L.
 */
import { windowOutput } from './conv.js';

export function maxPool1dForward(
  N: number,
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  X: Float32Array,
  Y: Float32Array,
  argmax: Int32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, 1);
  for (let row = 0, out = 0; row < N * C; row++) {
    const base = row * L;
    for (let o = 0; o < OW; o++, out++) {
      const i0 = Math.max(o * stride - pad, 0),
        i1 = Math.min(o * stride - pad + k, L);
      let best = -Infinity,
        at = i0;
      for (let i = i0; i < i1; i++) {
        const v = X[base + i];
        if (v > best || Number.isNaN(v)) {
          best = v;
          at = i;
        }
      }
      Y[out] = best;
      argmax[out] = at;
    }
  }
}

/** dX = 0, then each output's gradient added at its argmax (overlapping windows add up). */
export function maxPool1dBackward(
  N: number,
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  dY: Float32Array,
  argmax: Int32Array,
  dX: Float32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, 1);
  dX.fill(0, 0, N * C * L);
  for (let row = 0, out = 0; row < N * C; row++) {
    const base = row * L;
    for (let o = 0; o < OW; o++, out++) dX[base + argmax[out]] += dY[out];
  }
}

export function avgPool1dForward(
  N: number,
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  X: Float32Array,
  Y: Float32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, 1);
  for (let row = 0, out = 0; row < N * C; row++) {
    const base = row * L;
    for (let o = 0; o < OW; o++, out++) {
      const i0 = Math.max(o * stride - pad, 0),
        i1 = Math.min(o * stride - pad + k, L);
      let s = 0;
      for (let i = i0; i < i1; i++) s += X[base + i];
      Y[out] = s / k;
    }
  }
}

/** dX = 0, then each output's gradient / k spread over the real values of its window. */
export function avgPool1dBackward(
  N: number,
  C: number,
  L: number,
  k: number,
  stride: number,
  pad: number,
  dY: Float32Array,
  dX: Float32Array,
): void {
  const OW = windowOutput(L, k, stride, pad, 1);
  dX.fill(0, 0, N * C * L);
  for (let row = 0, out = 0; row < N * C; row++) {
    const base = row * L;
    for (let o = 0; o < OW; o++, out++) {
      const i0 = Math.max(o * stride - pad, 0),
        i1 = Math.min(o * stride - pad + k, L);
      const g = dY[out] / k;
      for (let i = i0; i < i1; i++) dX[base + i] += g;
    }
  }
}
