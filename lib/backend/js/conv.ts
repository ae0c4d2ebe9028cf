/**
 * Convolution lowered to GEMM, the specification of native/conv.cc. im2col copies every kh×kw window of an
 * image into one column of `cols` (rows ordered c, i, j as the O×C×kh×kw weight is, so the weight needs no
 * reshuffle), and the convolution of image n is then one matrix product: Y_n (O×P) = weight (O×CKK) · cols (CKK×P).
 * Backward reuses the same two pieces: dWeight += dY_n·colsᵀ, and dX_n = col2im(weightᵀ·dY_n).
 */
import { sgemm } from './sgemm.js';

/** Output size along one axis (the arguments are already checked, so the window fits). */
export function windowOutput(size: number, k: number, stride: number, pad: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

/** im2col of the C×H×W image starting at X[xOff]. Rows c·kh·kw + i·kw + j, columns oh·OW + ow; padding reads as 0. */
function im2colAt(
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  stride: number,
  pad: number,
  dilation: number,
  X: Float32Array,
  xOff: number,
  cols: Float32Array,
): void {
  const OH = windowOutput(H, kh, stride, pad, dilation),
    OW = windowOutput(W, kw, stride, pad, dilation);
  const P = OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        let dst = row * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + i * dilation;
          if (ih < 0 || ih >= H) {
            cols.fill(0, dst, dst + OW);
            dst += OW;
            continue;
          }
          const src = plane + ih * W;
          for (let ow = 0; ow < OW; ow++, dst++) {
            const iw = ow * stride - pad + j * dilation;
            cols[dst] = iw >= 0 && iw < W ? X[src + iw] : 0;
          }
        }
      }
    }
  }
}

/** col2im into the C×H×W image starting at X[xOff]: zeroes it, then adds every column entry back to the pixel it came from. */
function col2imAt(
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  stride: number,
  pad: number,
  dilation: number,
  cols: Float32Array,
  X: Float32Array,
  xOff: number,
): void {
  const OH = windowOutput(H, kh, stride, pad, dilation),
    OW = windowOutput(W, kw, stride, pad, dilation);
  const P = OH * OW;
  X.fill(0, xOff, xOff + C * H * W);
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        let src = row * P;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * stride - pad + i * dilation;
          if (ih < 0 || ih >= H) {
            src += OW;
            continue;
          }
          const dst = plane + ih * W;
          for (let ow = 0; ow < OW; ow++, src++) {
            const iw = ow * stride - pad + j * dilation;
            if (iw >= 0 && iw < W) X[dst + iw] += cols[src];
          }
        }
      }
    }
  }
}

export function conv2dForward(
  N: number,
  C: number,
  H: number,
  W: number,
  O: number,
  kh: number,
  kw: number,
  stride: number,
  pad: number,
  dilation: number,
  X: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  cols: Float32Array,
  Y: Float32Array,
): void {
  const P = windowOutput(H, kh, stride, pad, dilation) * windowOutput(W, kw, stride, pad, dilation);
  const K = C * kh * kw;
  for (let n = 0; n < N; n++) {
    im2colAt(C, H, W, kh, kw, stride, pad, dilation, X, n * C * H * W, cols);
    // A view, not a copy: the js sgemm takes whole arrays. The bias is added to the product once it is rounded to
    // float32, as PyTorch (OpenBLAS adds its float accumulator to C = the broadcast bias), native and denseForward do.
    const y = Y.subarray(n * O * P, (n + 1) * O * P);
    sgemm(false, false, O, P, K, 1, weight, cols, 0, y);
    if (bias !== null) {
      for (let o = 0; o < O; o++) {
        const b = bias[o];
        for (let p = o * P, end = (o + 1) * P; p < end; p++) y[p] += b;
      }
    }
  }
}

export function conv2dBackward(
  N: number,
  C: number,
  H: number,
  W: number,
  O: number,
  kh: number,
  kw: number,
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
  const P = windowOutput(H, kh, stride, pad, dilation) * windowOutput(W, kw, stride, pad, dilation);
  const K = C * kh * kw;
  if (dBias !== null) {
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let p = (n * O + o) * P, end = p + P; p < end; p++) s += dY[p];
      dBias[o] = beta === 0 ? s : beta * dBias[o] + s;
    }
  }
  // No images: dWeight = beta·dWeight, what the loop below would have left.
  if (N === 0) for (let i = 0; i < O * K; i++) dWeight[i] = beta === 0 ? 0 : beta * dWeight[i];
  for (let n = 0; n < N; n++) {
    const dy = dY.subarray(n * O * P, (n + 1) * O * P);
    im2colAt(C, H, W, kh, kw, stride, pad, dilation, X, n * C * H * W, cols);
    // dWeight (O×K) += dY_n (O×P) · colsᵀ (P×K); the first image applies beta.
    sgemm(false, true, O, K, P, 1, dy, cols, n === 0 ? beta : 1, dWeight);
    if (dX !== null) {
      // cols (K×P) = weightᵀ (K×O) · dY_n (O×P), then summed back into the image.
      sgemm(true, false, K, P, O, 1, weight, dy, 0, cols);
      col2imAt(C, H, W, kh, kw, stride, pad, dilation, cols, dX, n * C * H * W);
    }
  }
}
