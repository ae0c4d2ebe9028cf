/**
 * The native backend: a thin, raw mapping from the contract to the addon's exports (native/addon.cc). Raw
 * means unchecked here: load.ts wraps it in checked() like the js backend, and the addon re-checks memory
 * safety in C++. The only translations are the ones that spare C++ from reading JS objects on the hot path:
 * an activation kind becomes its code (its index in ACTIVATION_KINDS) and an options object becomes
 * positional numbers and booleans. Nothing is allocated per call.
 */
import { NeuroblasError } from '../errors.js';
import { ACTIVATION_KINDS, type ActivationKind, type Backend } from './contract.js';

type F32 = Float32Array;

export interface OpenblasInfo {
  /** openblas_get_config(), e.g. 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64'. */
  config: string;
  /** openblas_get_corename(): the kernel set in use. */
  coreName: string;
  /** Who chose the kernels: the user (OPENBLAS_CORETYPE), neuroblas (switched an AVX-512 CPU to SkylakeX), or OpenBLAS's own detection. */
  coreTypeSource: 'user' | 'neuroblas' | 'openblas';
  threads: number;
}

/** The addon's exports, argument for argument (see native/bindings.h and each native/*.cc). */
export interface NativeAddon {
  setErrorClass(cls: unknown): void;
  openblasInfo(): OpenblasInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;

  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: F32, B: F32, beta: number, C: F32): void;
  biasAdd(M: number, N: number, bias: F32, Y: F32): void;
  colSum(M: number, N: number, X: F32, beta: number, out: F32): void;
  denseForward(M: number, N: number, K: number, X: F32, W: F32, bias: F32 | null, kind: number, param: number, Z: F32 | null, Y: F32): void;
  denseBackward(M: number, N: number, K: number, X: F32, W: F32, kind: number, param: number, Z: F32 | null, Y: F32, dY: F32, dZ: F32, beta: number, dW: F32, dBias: F32 | null, dX: F32 | null): void;
  activationForward(kind: number, param: number, n: number, X: F32, Y: F32): void;
  activationBackward(kind: number, param: number, n: number, X: F32, Y: F32, dY: F32, dX: F32): void;
  softmaxForward(M: number, N: number, X: F32, Y: F32): void;
  softmaxBackward(M: number, N: number, Y: F32, dY: F32, dX: F32): void;
  softmaxCrossEntropy(M: number, N: number, logits: F32, labels: Int32Array, probs: F32, dLogits: F32): number;
  softmaxCrossEntropySoft(M: number, N: number, logits: F32, targets: F32, probs: F32, dLogits: F32): number;
  sigmoidBce(n: number, logits: F32, targets: F32, dLogits: F32): number;
  mse(n: number, pred: F32, target: F32, dPred: F32): number;
  batchNormForward(M: number, C: number, S: number, X: F32, gamma: F32, beta: F32, eps: number, training: boolean, mean: F32, invStd: F32, Y: F32): void;
  batchNormBackward(M: number, C: number, S: number, X: F32, mean: F32, invStd: F32, gamma: F32, dY: F32, dX: F32, dGamma: F32, dBeta: F32): void;
  dropoutForward(n: number, keep: number, seed: number, X: F32, mask: Uint8Array, Y: F32): void;
  dropoutBackward(n: number, keep: number, mask: Uint8Array, dY: F32, dX: F32): void;
  im2col(C: number, H: number, W: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, cols: F32): void;
  col2im(C: number, H: number, W: number, kh: number, kw: number, stride: number, pad: number, dilation: number, cols: F32, X: F32): void;
  conv2dForward(N: number, C: number, H: number, W: number, O: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, weight: F32, bias: F32 | null, cols: F32, Y: F32): void;
  conv2dBackward(N: number, C: number, H: number, W: number, O: number, kh: number, kw: number, stride: number, pad: number, dilation: number, X: F32, weight: F32, dY: F32, cols: F32, beta: number, dWeight: F32, dBias: F32 | null, dX: F32 | null): void;
  maxPool2dForward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, X: F32, Y: F32, argmax: Int32Array): void;
  maxPool2dBackward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, dY: F32, argmax: Int32Array, dX: F32): void;
  avgPool2dForward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, X: F32, Y: F32): void;
  avgPool2dBackward(N: number, C: number, H: number, W: number, k: number, stride: number, pad: number, dY: F32, dX: F32): void;
  sgdStep(n: number, param: F32, grad: F32, momentumBuf: F32 | null, step: number, lr: number, momentum: number, dampening: number, nesterov: boolean, weightDecay: number): void;
  adamStep(n: number, param: F32, grad: F32, m: F32, v: F32, vMax: F32 | null, step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, amsgrad: boolean): void;
  rmspropStep(n: number, param: F32, grad: F32, squareAvg: F32, gradAvg: F32 | null, momentumBuf: F32 | null, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: boolean): void;
  adagradStep(n: number, param: F32, grad: F32, sum: F32, step: number, lr: number, lrDecay: number, weightDecay: number, eps: number): void;
  axpy(n: number, alpha: number, X: F32, Y: F32): void;
  scale(n: number, alpha: number, X: F32): void;
  fill(n: number, value: number, X: F32): void;
  copy(n: number, X: F32, Y: F32): void;
  mul(n: number, X: F32, Y: F32, Z: F32): void;
  sum(n: number, X: F32): number;
}

const REQUIRED_EXPORTS = [
  'setErrorClass', 'openblasInfo', 'setNumThreads', 'getNumThreads', 'sgemm', 'biasAdd', 'colSum', 'denseForward', 'denseBackward',
  'activationForward', 'activationBackward', 'softmaxForward', 'softmaxBackward', 'softmaxCrossEntropy', 'softmaxCrossEntropySoft',
  'sigmoidBce', 'mse', 'batchNormForward', 'batchNormBackward', 'dropoutForward', 'dropoutBackward', 'sgdStep', 'adamStep',
  'rmspropStep', 'adagradStep', 'axpy', 'scale', 'fill', 'copy', 'mul', 'sum',
  'im2col', 'col2im', 'conv2dForward', 'conv2dBackward', 'maxPool2dForward', 'maxPool2dBackward', 'avgPool2dForward', 'avgPool2dBackward',
] as const satisfies readonly (keyof NativeAddon)[];

/** Activation kind → the addon's integer code, looked up once per call with no search. */
const KIND_CODE = Object.fromEntries(ACTIVATION_KINDS.map((kind, code) => [kind, code])) as Record<ActivationKind, number>;

/** The code of a kind; an unknown string maps to -1, which the addon refuses (only reachable when unchecked). */
function code(kind: ActivationKind): number {
  return KIND_CODE[kind] ?? -1;
}

export function wrapAddon(addon: NativeAddon): Backend {
  // A stale build (an older .node next to newer TypeScript) fails here, once, with the name of what is missing,
  // rather than with "not a function" in the middle of a training run.
  const missing = REQUIRED_EXPORTS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new NeuroblasError('ERR_BACKEND', `native addon is missing ${missing.join(', ')}: rebuild it with \`npm run build:addon\``);
  }
  return {
    name: 'native',

    sgemm: (transA, transB, M, N, K, alpha, A, B, beta, C) => addon.sgemm(transA, transB, M, N, K, alpha, A, B, beta, C),
    biasAdd: (M, N, bias, Y) => addon.biasAdd(M, N, bias, Y),
    colSum: (M, N, X, beta, out) => addon.colSum(M, N, X, beta, out),
    denseForward: (M, N, K, X, W, bias, kind, param, Z, Y) => addon.denseForward(M, N, K, X, W, bias, code(kind), param, Z, Y),
    denseBackward: (M, N, K, X, W, kind, param, Z, Y, dY, dZ, beta, dW, dBias, dX) =>
      addon.denseBackward(M, N, K, X, W, code(kind), param, Z, Y, dY, dZ, beta, dW, dBias, dX),

    activationForward: (kind, param, n, X, Y) => addon.activationForward(code(kind), param, n, X, Y),
    activationBackward: (kind, param, n, X, Y, dY, dX) => addon.activationBackward(code(kind), param, n, X, Y, dY, dX),
    softmaxForward: (M, N, X, Y) => addon.softmaxForward(M, N, X, Y),
    softmaxBackward: (M, N, Y, dY, dX) => addon.softmaxBackward(M, N, Y, dY, dX),

    softmaxCrossEntropy: (M, N, logits, labels, probs, dLogits) => addon.softmaxCrossEntropy(M, N, logits, labels, probs, dLogits),
    softmaxCrossEntropySoft: (M, N, logits, targets, probs, dLogits) => addon.softmaxCrossEntropySoft(M, N, logits, targets, probs, dLogits),
    sigmoidBce: (n, logits, targets, dLogits) => addon.sigmoidBce(n, logits, targets, dLogits),
    mse: (n, pred, target, dPred) => addon.mse(n, pred, target, dPred),

    batchNormForward: (M, C, S, X, gamma, beta, eps, training, mean, invStd, Y) =>
      addon.batchNormForward(M, C, S, X, gamma, beta, eps, training, mean, invStd, Y),
    batchNormBackward: (M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta) =>
      addon.batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta),
    dropoutForward: (n, keep, seed, X, mask, Y) => addon.dropoutForward(n, keep, seed, X, mask, Y),
    dropoutBackward: (n, keep, mask, dY, dX) => addon.dropoutBackward(n, keep, mask, dY, dX),

    im2col: (C, H, W, kh, kw, stride, pad, dilation, X, cols) => addon.im2col(C, H, W, kh, kw, stride, pad, dilation, X, cols),
    col2im: (C, H, W, kh, kw, stride, pad, dilation, cols, X) => addon.col2im(C, H, W, kh, kw, stride, pad, dilation, cols, X),
    conv2dForward: (N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, bias, cols, Y) =>
      addon.conv2dForward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, bias, cols, Y),
    conv2dBackward: (N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias, dX) =>
      addon.conv2dBackward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias, dX),
    maxPool2dForward: (N, C, H, W, k, stride, pad, X, Y, argmax) => addon.maxPool2dForward(N, C, H, W, k, stride, pad, X, Y, argmax),
    maxPool2dBackward: (N, C, H, W, k, stride, pad, dY, argmax, dX) => addon.maxPool2dBackward(N, C, H, W, k, stride, pad, dY, argmax, dX),
    avgPool2dForward: (N, C, H, W, k, stride, pad, X, Y) => addon.avgPool2dForward(N, C, H, W, k, stride, pad, X, Y),
    avgPool2dBackward: (N, C, H, W, k, stride, pad, dY, dX) => addon.avgPool2dBackward(N, C, H, W, k, stride, pad, dY, dX),

    sgdStep: (n, param, grad, momentumBuf, step, o) =>
      addon.sgdStep(n, param, grad, momentumBuf, step, o.lr, o.momentum, o.dampening, o.nesterov, o.weightDecay),
    adamStep: (n, param, grad, m, v, vMax, step, o) =>
      addon.adamStep(n, param, grad, m, v, vMax, step, o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, o.decoupled, o.amsgrad),
    rmspropStep: (n, param, grad, squareAvg, gradAvg, momentumBuf, o) =>
      addon.rmspropStep(n, param, grad, squareAvg, gradAvg, momentumBuf, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, o.centered),
    adagradStep: (n, param, grad, sum, step, o) => addon.adagradStep(n, param, grad, sum, step, o.lr, o.lrDecay, o.weightDecay, o.eps),

    axpy: (n, alpha, X, Y) => addon.axpy(n, alpha, X, Y),
    scale: (n, alpha, X) => addon.scale(n, alpha, X),
    fill: (n, value, X) => addon.fill(n, value, X),
    copy: (n, X, Y) => addon.copy(n, X, Y),
    mul: (n, X, Y, Z) => addon.mul(n, X, Y, Z),
    sum: (n, X) => addon.sum(n, X),

    setNumThreads: (n) => addon.setNumThreads(n),
    getNumThreads: () => addon.getNumThreads(),
  };
}
