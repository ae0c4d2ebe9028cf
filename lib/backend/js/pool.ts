/**
 * 2-D pooling over N·C independent H×W planes, the specification of native/pool.cc. Windows are k×k with a
 * stride and a padding of at most k/2, so every window holds at least one real pixel (checked.ts refuses more).
 * Max pooling follows PyTorch: padding never wins, ties keep the first maximum in row-major order, NaN wins.
 * Average pooling divides by k² whatever the padding (PyTorch's count_include_pad = true default).
 */
import { windowOutput } from './conv.js';

export function maxPool2dForward(
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  stride: number,
  pad: number,
  X: Float32Array,
  Y: Float32Array,
  argmax: Int32Array,
): void {
  const OH = windowOutput(H, k, stride, pad, 1),
    OW = windowOutput(W, k, stride, pad, 1);
  for (let plane = 0, out = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * stride - pad, 0),
        h1 = Math.min(oh * stride - pad + k, H);
      for (let ow = 0; ow < OW; ow++, out++) {
        const w0 = Math.max(ow * stride - pad, 0),
          w1 = Math.min(ow * stride - pad + k, W);
        let best = -Infinity,
          at = h0 * W + w0;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const v = X[base + h * W + w];
            // NaN wins, as in PyTorch (the first NaN of a window).
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = h * W + w;
            }
          }
        }
        Y[out] = best;
        argmax[out] = at;
      }
    }
  }
}

/** dX = 0, then each output's gradient added at its argmax (overlapping windows add up). */
export function maxPool2dBackward(
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  stride: number,
  pad: number,
  dY: Float32Array,
  argmax: Int32Array,
  dX: Float32Array,
): void {
  const P = windowOutput(H, k, stride, pad, 1) * windowOutput(W, k, stride, pad, 1);
  dX.fill(0, 0, N * C * H * W);
  for (let plane = 0, out = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let p = 0; p < P; p++, out++) dX[base + argmax[out]] += dY[out];
  }
}

export function avgPool2dForward(
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  stride: number,
  pad: number,
  X: Float32Array,
  Y: Float32Array,
): void {
  const OH = windowOutput(H, k, stride, pad, 1),
    OW = windowOutput(W, k, stride, pad, 1);
  const divisor = k * k;
  for (let plane = 0, out = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * stride - pad, 0),
        h1 = Math.min(oh * stride - pad + k, H);
      for (let ow = 0; ow < OW; ow++, out++) {
        const w0 = Math.max(ow * stride - pad, 0),
          w1 = Math.min(ow * stride - pad + k, W);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += X[base + h * W + w];
        Y[out] = s / divisor;
      }
    }
  }
}

/** dX = 0, then each output's gradient / k² spread over the real pixels of its window. */
export function avgPool2dBackward(
  N: number,
  C: number,
  H: number,
  W: number,
  k: number,
  stride: number,
  pad: number,
  dY: Float32Array,
  dX: Float32Array,
): void {
  const OH = windowOutput(H, k, stride, pad, 1),
    OW = windowOutput(W, k, stride, pad, 1);
  const divisor = k * k;
  dX.fill(0, 0, N * C * H * W);
  for (let plane = 0, out = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * stride - pad, 0),
        h1 = Math.min(oh * stride - pad + k, H);
      for (let ow = 0; ow < OW; ow++, out++) {
        const w0 = Math.max(ow * stride - pad, 0),
          w1 = Math.min(ow * stride - pad + k, W);
        const g = dY[out] / divisor;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dX[base + h * W + w] += g;
      }
    }
  }
}
