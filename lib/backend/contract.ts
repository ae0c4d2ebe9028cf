/**
 * The backend contract: every hot loop training needs, and nothing else. `js` (lib/backend/js/) is the
 * specification; `native` (native/, C++ over OpenBLAS) must match it. Conventions for every kernel:
 * matrices are row-major; sizes come first and are explicit, so a buffer may be longer than needed
 * (reused batch buffers); outputs are caller-owned and written in place; kernels allocate nothing.
 * Arguments are checked before any work (lib/backend/checked.ts); outputs may equal an input exactly
 * only in elementwise kernels, never overlap it partially.
 */
type F32 = Float32Array;

export type ActivationKind = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'elu' | 'softplus';
/** Stable order: the index is the activation's code in the native addon. */
export const ACTIVATION_KINDS = ['linear', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'softplus'] as const;

export interface SgdOptions { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number }
export interface AdamOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean; amsgrad: boolean }
export interface RmspropOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean }
export interface AdagradOptions { lr: number; lrDecay: number; weightDecay: number; eps: number }

export interface Backend {
  readonly name: 'js' | 'native';

  /** C = alpha·op(A)·op(B) + beta·C; C is M×N, A is M×K (stored K×M when transA), B is K×N (N×K when transB). beta = 0 ignores C's contents. */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: F32, B: F32, beta: number, C: F32): void;
  /** Y[i,j] += bias[j] for an M×N matrix. */
  biasAdd(M: number, N: number, bias: F32, Y: F32): void;
  /** out[j] = beta·out[j] + Σ_i X[i,j]: the bias gradient (beta = 1 accumulates). */
  colSum(M: number, N: number, X: F32, beta: number, out: F32): void;
  /** Z = X·W + bias (X: M×K, W: K×N), Y = f(Z): a dense layer in one crossing. Z may be null when f is linear (Y gets X·W + bias). */
  denseForward(M: number, N: number, K: number, X: F32, W: F32, bias: F32 | null, kind: ActivationKind, param: number, Z: F32 | null, Y: F32): void;
  /** The dense layer's whole backward in one crossing: dZ = dY·f'(Z) (dZ may be dY itself), dW = beta·dW + Xᵀ·dZ,
   *  dBias = beta·dBias + colsum(dZ) (when not null), dX = dZ·Wᵀ (when not null; the first layer needs none). Z may be null when f is linear. */
  denseBackward(M: number, N: number, K: number, X: F32, W: F32, kind: ActivationKind, param: number, Z: F32 | null, Y: F32, dY: F32, dZ: F32, beta: number, dW: F32, dBias: F32 | null, dX: F32 | null): void;

  /** Y = f(X) elementwise. `param` is the leaky-relu slope or the ELU alpha (ignored otherwise). */
  activationForward(kind: ActivationKind, param: number, n: number, X: F32, Y: F32): void;
  /** dX = dY·f'(X), given the forward input X and output Y. */
  activationBackward(kind: ActivationKind, param: number, n: number, X: F32, Y: F32, dY: F32, dX: F32): void;
  /** Row-wise softmax of an M×N matrix, and its backward (dX = Y ⊙ (dY − rowsum(dY ⊙ Y))). */
  softmaxForward(M: number, N: number, X: F32, Y: F32): void;
  softmaxBackward(M: number, N: number, Y: F32, dY: F32, dX: F32): void;

  /** Fused softmax + cross-entropy over M rows of N logits. Writes probabilities and d(mean loss)/d logits; returns the mean loss. */
  softmaxCrossEntropy(M: number, N: number, logits: F32, labels: Int32Array, probs: F32, dLogits: F32): number;
  /** The same with a probability (or one-hot) target per row: loss = −Σ t·log p. */
  softmaxCrossEntropySoft(M: number, N: number, logits: F32, targets: F32, probs: F32, dLogits: F32): number;
  /** Binary cross-entropy on logits, mean over n elements; writes d(mean loss)/d logits. */
  sigmoidBce(n: number, logits: F32, targets: F32, dLogits: F32): number;
  /** Mean squared error over n elements; writes d(mean loss)/d pred. */
  mse(n: number, pred: F32, target: F32, dPred: F32): number;

  /** Batch normalization over M samples × C channels × S positions (S = 1 for dense features). When `training`,
   *  writes the batch mean and 1/sqrt(biased var + eps) into mean and invStd; otherwise reads them. */
  batchNormForward(M: number, C: number, S: number, X: F32, gamma: F32, beta: F32, eps: number, training: boolean, mean: F32, invStd: F32, Y: F32): void;
  /** Training-mode backward: writes dX and dGamma, dBeta (overwritten, not accumulated). */
  batchNormBackward(M: number, C: number, S: number, X: F32, mean: F32, invStd: F32, gamma: F32, dY: F32, dX: F32, dGamma: F32, dBeta: F32): void;
  /** Inverted dropout: mask[i] = 1 when element i is kept (probability keep, from a counter-based hash of seed and i,
   *  identical on every backend); Y = X·mask/keep. Backward: dX = dY·mask/keep. */
  dropoutForward(n: number, keep: number, seed: number, X: F32, mask: Uint8Array, Y: F32): void;
  dropoutBackward(n: number, keep: number, mask: Uint8Array, dY: F32, dX: F32): void;

  /** Convolution windows (NCHW images): out = ⌊(size + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1 per axis, P = OH·OW.
   *  im2col: cols (C·kh·kw × P) = the zero-padded windows of one C×H×W image; col2im: X = the sum of cols back into the image (overwrites X). */
  im2col(C: number, H: number, W: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, cols: F32): void;
  col2im(C: number, H: number, W: number, kh: number, kw: number, stride: number, pad: number, dilation: number, cols: F32, X: F32): void;
  /** Y (N×O×P) = weight (O×C·kh·kw) · im2col(X_n) + bias, image by image in one crossing; cols is caller-owned scratch of C·kh·kw·P. */
  conv2dForward(N: number, C: number, H: number, W: number, O: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, weight: F32, bias: F32 | null, cols: F32, Y: F32): void;
  /** dWeight = beta·dWeight + Σ_n dY_n·colsᵀ, dBias = beta·dBias + Σ dY per channel (when not null), dX = col2im(weightᵀ·dY_n) (when not null). */
  conv2dBackward(N: number, C: number, H: number, W: number, O: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, weight: F32, dY: F32, cols: F32, beta: number, dWeight: F32, dBias: F32 | null, dX: F32 | null): void;
  /** k×k max pooling with implicit −∞ padding (pad ≤ k/2); argmax[i] = the winner's index h·W + w in its H×W plane. Backward: dX = Σ dY at argmax. */
  maxPool2dForward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, X: F32, Y: F32, argmax: Int32Array): void;
  maxPool2dBackward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, dY: F32, argmax: Int32Array, dX: F32): void;
  /** k×k average pooling, zero padding counted in the divisor (PyTorch's count_include_pad = true, pad ≤ k/2), and its backward. */
  avgPool2dForward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, X: F32, Y: F32): void;
  avgPool2dBackward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, dY: F32, dX: F32): void;

  /** In-place optimizer steps with PyTorch's update rules; `step` counts from 1. State buffers start at zero. */
  sgdStep(n: number, param: F32, grad: F32, momentumBuf: F32 | null, step: number, o: SgdOptions): void;
  adamStep(n: number, param: F32, grad: F32, m: F32, v: F32, vMax: F32 | null, step: number, o: AdamOptions): void;
  rmspropStep(n: number, param: F32, grad: F32, squareAvg: F32, gradAvg: F32 | null, momentumBuf: F32 | null, o: RmspropOptions): void;
  adagradStep(n: number, param: F32, grad: F32, sum: F32, step: number, o: AdagradOptions): void;

  /** Elementwise helpers for the graph: Y += alpha·X; X *= alpha; X = value; Y = X; Z = X ⊙ Y; Σ X. */
  axpy(n: number, alpha: number, X: F32, Y: F32): void;
  scale(n: number, alpha: number, X: F32): void;
  fill(n: number, value: number, X: F32): void;
  copy(n: number, X: F32, Y: F32): void;
  mul(n: number, X: F32, Y: F32, Z: F32): void;
  sum(n: number, X: F32): number;

  /** Threads used by the kernels (OpenBLAS for native; always 1 for js). */
  setNumThreads(n: number): void;
  getNumThreads(): number;
}
