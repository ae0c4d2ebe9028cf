/**
 * `checked(raw)` puts the argument checks of validate.ts in front of a raw backend. Both backends are
 * handed out only in this form, so a bad call fails the same way, before any work, on either one.
 */
import { fail } from '../errors.js';
import { ACTIVATION_KINDS, type ActivationKind, type AdagradOptions, type AdamOptions, type Backend, type RmspropOptions, type SgdOptions } from './contract.js';
import { checkArray, checkBool, checkF32, checkNoOverlap, checkNumber, checkProduct, checkRange, checkSize, MAX_DIM } from './validate.js';

function checkKind(fn: string, kind: unknown, param: unknown): void {
  if (!ACTIVATION_KINDS.includes(kind as ActivationKind)) {
    fail('ERR_INVALID_ARG', `${fn}: kind must be one of ${ACTIVATION_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  checkNumber(fn, 'param', param);
  // Slope and alpha must be non-negative: the backward passes rely on sign(f(x)) = sign(x).
  if ((kind === 'leaky_relu' || kind === 'elu') && (param as number) < 0) {
    fail('ERR_INVALID_ARG', `${fn}: param (${kind === 'elu' ? 'alpha' : 'slope'}) must be >= 0, got ${param}`);
  }
}

type Fields = readonly (readonly [string, 'number' | 'boolean'])[];

function checkOptions(fn: string, o: unknown, fields: Fields): void {
  if (typeof o !== 'object' || o === null) fail('ERR_INVALID_ARG', `${fn}: options must be an object, got ${o === null ? 'null' : typeof o}`);
  for (let i = 0; i < fields.length; i++) {
    const [key, type] = fields[i];
    const v = (o as Record<string, unknown>)[key];
    if (type === 'boolean') checkBool(fn, `options.${key}`, v);
    else checkNumber(fn, `options.${key}`, v);
  }
}

// Field lists built once: these checks run on every optimizer step and must not allocate.
const SGD: Fields = [['lr', 'number'], ['momentum', 'number'], ['dampening', 'number'], ['nesterov', 'boolean'], ['weightDecay', 'number']];
const ADAM: Fields = [['lr', 'number'], ['beta1', 'number'], ['beta2', 'number'], ['eps', 'number'], ['weightDecay', 'number'], ['decoupled', 'boolean'], ['amsgrad', 'boolean']];
const RMSPROP: Fields = [['lr', 'number'], ['alpha', 'number'], ['eps', 'number'], ['weightDecay', 'number'], ['momentum', 'number'], ['centered', 'boolean']];
const ADAGRAD: Fields = [['lr', 'number'], ['lrDecay', 'number'], ['weightDecay', 'number'], ['eps', 'number']];

/** Checks an optimizer's parameter, gradient and state buffers: n elements each, all distinct (null = absent). */
function checkUpdate(fn: string, n: number, names: readonly string[], a0: unknown, a1: unknown, a2: unknown = null, a3: unknown = null, a4: unknown = null): void {
  checkSize(fn, 'n', n);
  const arrays = scratch;
  arrays[0] = a0; arrays[1] = a1; arrays[2] = a2; arrays[3] = a3; arrays[4] = a4;
  for (let i = 0; i < names.length; i++) if (arrays[i] !== null) checkF32(fn, names[i], arrays[i], n);
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      if (arrays[i] !== null && arrays[j] !== null) checkNoOverlap(fn, names[i], arrays[i] as Float32Array, names[j], arrays[j] as Float32Array);
    }
  }
}

/** Refuses `out` overlapping any of the inputs (null entries are absent). */
function checkDisjoint(fn: string, outName: string, out: Float32Array, names: readonly string[], i0: Float32Array | null, i1: Float32Array | null = null, i2: Float32Array | null = null, i3: Float32Array | null = null, i4: Float32Array | null = null): void {
  const inputs = scratch;
  inputs[0] = i0; inputs[1] = i1; inputs[2] = i2; inputs[3] = i3; inputs[4] = i4;
  for (let i = 0; i < names.length; i++) if (inputs[i] !== null) checkNoOverlap(fn, outName, out, names[i], inputs[i] as Float32Array);
}

// Module-level scratch for the argument lists above: the checks run on every kernel call and must not allocate.
const scratch: unknown[] = [null, null, null, null, null];

const DENSE_INPUTS = ['X', 'W', 'bias'] as const;
const DENSE_BACKWARD_INPUTS = ['X', 'W', 'Y', 'Z', 'dY'] as const;
const BN_PARAMS = ['gamma', 'beta', 'mean', 'invStd'] as const;
const BN_BACKWARD_INPUTS = ['X', 'dY', 'mean', 'invStd', 'gamma'] as const;

const SGD_ARRAYS = ['param', 'grad', 'momentumBuf'] as const;
const ADAM_ARRAYS = ['param', 'grad', 'm', 'v', 'vMax'] as const;
const RMSPROP_ARRAYS = ['param', 'grad', 'squareAvg', 'gradAvg', 'momentumBuf'] as const;
const ADAGRAD_ARRAYS = ['param', 'grad', 'sum'] as const;

const CONV_INPUTS = ['X', 'weight', 'bias', 'cols'] as const;
const CONV_BACKWARD_INPUTS = ['X', 'weight', 'dY', 'cols'] as const;

/** The geometry of the last checkConv/checkPool call: module-level so the checks allocate nothing. */
const geo = { OH: 0, OW: 0, K: 0, P: 0 };

function checkAtLeastOne(fn: string, name: string, v: unknown): number {
  checkSize(fn, name, v);
  if ((v as number) < 1) fail('ERR_INVALID_ARG', `${fn}: ${name} must be >= 1, got ${v as number}`);
  return v as number;
}

/** Output size along one axis; ERR_SHAPE when the window does not fit the padded input (no output). */
function windowAxis(fn: string, axis: string, size: number, k: number, stride: number, pad: number, dilation: number): number {
  // Inexact only beyond 2^53, where it is far beyond any padded size (< 2^33) anyway.
  const span = dilation * (k - 1) + 1;
  const padded = size + 2 * pad;
  if (span > padded) fail('ERR_SHAPE', `${fn}: the ${span}-wide window does not fit ${axis} = ${size} with padding ${pad} (no output position)`);
  const out = Math.floor((padded - span) / stride) + 1;
  if (out > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: the output size along ${axis} (${out}) is beyond ${MAX_DIM}`);
  return out;
}

/** Sizes and window of a convolution; sets geo (K = C·kh·kw and P = OH·OW are GEMM dimensions, so at most 2^31 − 1). */
function checkConv(fn: string, N: number, C: number, H: number, W: number, O: number, kh: number, kw: number, stride: number, pad: number, dilation: number): void {
  checkSize(fn, 'N', N); checkSize(fn, 'C', C); checkSize(fn, 'H', H); checkSize(fn, 'W', W); checkSize(fn, 'O', O);
  checkAtLeastOne(fn, 'kh', kh); checkAtLeastOne(fn, 'kw', kw);
  checkAtLeastOne(fn, 'stride', stride); checkSize(fn, 'pad', pad); checkAtLeastOne(fn, 'dilation', dilation);
  geo.OH = windowAxis(fn, 'H', H, kh, stride, pad, dilation);
  geo.OW = windowAxis(fn, 'W', W, kw, stride, pad, dilation);
  geo.K = checkProduct(fn, 'C·kh·kw', C, kh, kw);
  geo.P = checkProduct(fn, 'OH·OW', geo.OH, geo.OW);
  if (geo.K > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: C·kh·kw = ${geo.K} is beyond ${MAX_DIM}`);
  if (geo.P > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: OH·OW = ${geo.P} is beyond ${MAX_DIM}`);
}

/** Sizes and window of a pooling (pad ≤ k/2, so every window holds a real pixel); sets geo.OH, geo.OW, geo.P. */
function checkPool(fn: string, N: number, C: number, H: number, W: number, k: number, stride: number, pad: number): void {
  checkSize(fn, 'N', N); checkSize(fn, 'C', C); checkAtLeastOne(fn, 'H', H); checkAtLeastOne(fn, 'W', W);
  checkAtLeastOne(fn, 'k', k); checkAtLeastOne(fn, 'stride', stride); checkSize(fn, 'pad', pad);
  if (2 * pad > k) fail('ERR_INVALID_ARG', `${fn}: pad must be at most half the window (k = ${k}), got ${pad}`);
  geo.OH = windowAxis(fn, 'H', H, k, stride, pad, 1);
  geo.OW = windowAxis(fn, 'W', W, k, stride, pad, 1);
  geo.P = checkProduct(fn, 'OH·OW', geo.OH, geo.OW);
  // argmax holds a pixel's index in its plane as an int32.
  if (H * W > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: H·W = ${H}×${W} is beyond ${MAX_DIM}`);
}

export function checked(raw: Backend): Backend {
  return {
    name: raw.name,

    sgemm(transA, transB, M, N, K, alpha, A, B, beta, C) {
      const fn = 'sgemm';
      checkBool(fn, 'transA', transA);
      checkBool(fn, 'transB', transB);
      checkSize(fn, 'M', M); checkSize(fn, 'N', N); checkSize(fn, 'K', K);
      checkNumber(fn, 'alpha', alpha);
      checkNumber(fn, 'beta', beta);
      checkF32(fn, 'A', A, checkProduct(fn, 'M·K', M, K));
      checkF32(fn, 'B', B, checkProduct(fn, 'K·N', K, N));
      checkF32(fn, 'C', C, checkProduct(fn, 'M·N', M, N));
      checkNoOverlap(fn, 'C', C, 'A', A);
      checkNoOverlap(fn, 'C', C, 'B', B);
      raw.sgemm(transA, transB, M, N, K, alpha, A, B, beta, C);
    },

    biasAdd(M, N, bias, Y) {
      const fn = 'biasAdd';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      checkF32(fn, 'bias', bias, N);
      checkF32(fn, 'Y', Y, checkProduct(fn, 'M·N', M, N));
      checkNoOverlap(fn, 'Y', Y, 'bias', bias);
      raw.biasAdd(M, N, bias, Y);
    },

    colSum(M, N, X, beta, out) {
      const fn = 'colSum';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      checkF32(fn, 'X', X, checkProduct(fn, 'M·N', M, N));
      checkNumber(fn, 'beta', beta);
      checkF32(fn, 'out', out, N);
      checkNoOverlap(fn, 'out', out, 'X', X);
      raw.colSum(M, N, X, beta, out);
    },

    denseForward(M, N, K, X, W, bias, kind, param, Z, Y) {
      const fn = 'denseForward';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N); checkSize(fn, 'K', K);
      checkKind(fn, kind, param);
      checkF32(fn, 'X', X, checkProduct(fn, 'M·K', M, K));
      checkF32(fn, 'W', W, checkProduct(fn, 'K·N', K, N));
      if (bias !== null) checkF32(fn, 'bias', bias, N);
      const mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'Y', Y, mn);
      if (Z === null && kind !== 'linear') fail('ERR_INVALID_ARG', `${fn}: Z (the pre-activation output) is required for activation ${kind}`);
      if (Z !== null) {
        checkF32(fn, 'Z', Z, mn);
        checkNoOverlap(fn, 'Z', Z, 'Y', Y);
        checkDisjoint(fn, 'Z', Z, DENSE_INPUTS, X, W, bias);
      }
      checkDisjoint(fn, 'Y', Y, DENSE_INPUTS, X, W, bias);
      raw.denseForward(M, N, K, X, W, bias, kind, param, Z, Y);
    },

    denseBackward(M, N, K, X, W, kind, param, Z, Y, dY, dZ, beta, dW, dBias, dX) {
      const fn = 'denseBackward';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N); checkSize(fn, 'K', K);
      checkKind(fn, kind, param);
      checkNumber(fn, 'beta', beta);
      const mk = checkProduct(fn, 'M·K', M, K), kn = checkProduct(fn, 'K·N', K, N), mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'X', X, mk); checkF32(fn, 'W', W, kn);
      if (Z === null && kind !== 'linear') fail('ERR_INVALID_ARG', `${fn}: Z (the pre-activation output) is required for activation ${kind}`);
      if (Z !== null) checkF32(fn, 'Z', Z, mn);
      checkF32(fn, 'Y', Y, mn); checkF32(fn, 'dY', dY, mn); checkF32(fn, 'dZ', dZ, mn);
      checkF32(fn, 'dW', dW, kn);
      if (dBias !== null) checkF32(fn, 'dBias', dBias, N);
      if (dX !== null) checkF32(fn, 'dX', dX, mk);
      checkDisjoint(fn, 'dZ', dZ, DENSE_BACKWARD_INPUTS, X, W, Y, Z);
      checkNoOverlap(fn, 'dZ', dZ, 'dY', dY, true);
      checkDisjoint(fn, 'dW', dW, DENSE_BACKWARD_INPUTS, X, W, Y, Z, dY);
      checkNoOverlap(fn, 'dW', dW, 'dZ', dZ);
      if (dBias !== null) {
        checkDisjoint(fn, 'dBias', dBias, DENSE_BACKWARD_INPUTS, X, W, Y, Z, dY);
        checkNoOverlap(fn, 'dBias', dBias, 'dZ', dZ);
        checkNoOverlap(fn, 'dBias', dBias, 'dW', dW);
      }
      if (dX !== null) {
        checkDisjoint(fn, 'dX', dX, DENSE_BACKWARD_INPUTS, X, W, Y, Z, dY);
        checkNoOverlap(fn, 'dX', dX, 'dZ', dZ);
        checkNoOverlap(fn, 'dX', dX, 'dW', dW);
        if (dBias !== null) checkNoOverlap(fn, 'dX', dX, 'dBias', dBias);
      }
      raw.denseBackward(M, N, K, X, W, kind, param, Z, Y, dY, dZ, beta, dW, dBias, dX);
    },

    activationForward(kind, param, n, X, Y) {
      const fn = 'activationForward';
      checkKind(fn, kind, param);
      checkSize(fn, 'n', n);
      checkF32(fn, 'X', X, n);
      checkF32(fn, 'Y', Y, n);
      checkNoOverlap(fn, 'Y', Y, 'X', X, true);
      raw.activationForward(kind, param, n, X, Y);
    },

    activationBackward(kind, param, n, X, Y, dY, dX) {
      const fn = 'activationBackward';
      checkKind(fn, kind, param);
      checkSize(fn, 'n', n);
      checkF32(fn, 'X', X, n); checkF32(fn, 'Y', Y, n); checkF32(fn, 'dY', dY, n); checkF32(fn, 'dX', dX, n);
      checkNoOverlap(fn, 'dX', dX, 'dY', dY, true);
      checkNoOverlap(fn, 'dX', dX, 'X', X, true);
      checkNoOverlap(fn, 'dX', dX, 'Y', Y, true);
      raw.activationBackward(kind, param, n, X, Y, dY, dX);
    },

    softmaxForward(M, N, X, Y) {
      const fn = 'softmaxForward';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      const mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'X', X, mn); checkF32(fn, 'Y', Y, mn);
      checkNoOverlap(fn, 'Y', Y, 'X', X, true);
      raw.softmaxForward(M, N, X, Y);
    },

    softmaxBackward(M, N, Y, dY, dX) {
      const fn = 'softmaxBackward';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      const mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'Y', Y, mn); checkF32(fn, 'dY', dY, mn); checkF32(fn, 'dX', dX, mn);
      checkNoOverlap(fn, 'dX', dX, 'Y', Y);
      checkNoOverlap(fn, 'dX', dX, 'dY', dY, true);
      return raw.softmaxBackward(M, N, Y, dY, dX);
    },

    softmaxCrossEntropy(M, N, logits, labels, probs, dLogits) {
      const fn = 'softmaxCrossEntropy';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      if (M > 0 && N === 0) fail('ERR_SHAPE', `${fn}: N (classes) must be at least 1, got 0`);
      const mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'logits', logits, mn);
      const lab = checkArray<Int32Array>(fn, 'labels', labels, 'Int32Array', M);
      checkF32(fn, 'probs', probs, mn); checkF32(fn, 'dLogits', dLogits, mn);
      checkNoOverlap(fn, 'probs', probs, 'logits', logits);
      checkNoOverlap(fn, 'dLogits', dLogits, 'logits', logits);
      checkNoOverlap(fn, 'dLogits', dLogits, 'probs', probs);
      for (let i = 0; i < M; i++) {
        const y = lab[i];
        if (y < 0 || y >= N) fail('ERR_LABEL', `${fn}: labels[${i}] = ${y} is outside [0, ${N})`);
      }
      return raw.softmaxCrossEntropy(M, N, logits, labels, probs, dLogits);
    },

    softmaxCrossEntropySoft(M, N, logits, targets, probs, dLogits) {
      const fn = 'softmaxCrossEntropySoft';
      checkSize(fn, 'M', M); checkSize(fn, 'N', N);
      const mn = checkProduct(fn, 'M·N', M, N);
      checkF32(fn, 'logits', logits, mn); checkF32(fn, 'targets', targets, mn);
      checkF32(fn, 'probs', probs, mn); checkF32(fn, 'dLogits', dLogits, mn);
      checkNoOverlap(fn, 'probs', probs, 'logits', logits);
      checkNoOverlap(fn, 'probs', probs, 'targets', targets);
      checkNoOverlap(fn, 'dLogits', dLogits, 'logits', logits);
      checkNoOverlap(fn, 'dLogits', dLogits, 'targets', targets);
      checkNoOverlap(fn, 'dLogits', dLogits, 'probs', probs);
      return raw.softmaxCrossEntropySoft(M, N, logits, targets, probs, dLogits);
    },

    sigmoidBce(n, logits, targets, dLogits) {
      const fn = 'sigmoidBce';
      checkSize(fn, 'n', n);
      checkF32(fn, 'logits', logits, n); checkF32(fn, 'targets', targets, n); checkF32(fn, 'dLogits', dLogits, n);
      checkNoOverlap(fn, 'dLogits', dLogits, 'logits', logits, true);
      checkNoOverlap(fn, 'dLogits', dLogits, 'targets', targets);
      return raw.sigmoidBce(n, logits, targets, dLogits);
    },

    mse(n, pred, target, dPred) {
      const fn = 'mse';
      checkSize(fn, 'n', n);
      checkF32(fn, 'pred', pred, n); checkF32(fn, 'target', target, n); checkF32(fn, 'dPred', dPred, n);
      checkNoOverlap(fn, 'dPred', dPred, 'pred', pred, true);
      checkNoOverlap(fn, 'dPred', dPred, 'target', target);
      return raw.mse(n, pred, target, dPred);
    },

    batchNormForward(M, C, S, X, gamma, beta, eps, training, mean, invStd, Y) {
      const fn = 'batchNormForward';
      checkSize(fn, 'M', M); checkSize(fn, 'C', C); checkSize(fn, 'S', S);
      const total = checkProduct(fn, 'M·C·S', M, C, S);
      checkF32(fn, 'X', X, total); checkF32(fn, 'Y', Y, total);
      checkF32(fn, 'gamma', gamma, C); checkF32(fn, 'beta', beta, C);
      checkRange(fn, 'eps', eps, 0, Infinity);
      checkBool(fn, 'training', training);
      checkF32(fn, 'mean', mean, C); checkF32(fn, 'invStd', invStd, C);
      if (training && M * S < 2 && C > 0) fail('ERR_SHAPE', `${fn}: training statistics need more than one value per channel, got M·S = ${M * S}`);
      checkNoOverlap(fn, 'Y', Y, 'X', X);
      checkDisjoint(fn, 'Y', Y, BN_PARAMS, gamma, beta, mean, invStd);
      if (training) checkNoOverlap(fn, 'mean', mean, 'invStd', invStd);
      raw.batchNormForward(M, C, S, X, gamma, beta, eps, training, mean, invStd, Y);
    },

    batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta) {
      const fn = 'batchNormBackward';
      checkSize(fn, 'M', M); checkSize(fn, 'C', C); checkSize(fn, 'S', S);
      const total = checkProduct(fn, 'M·C·S', M, C, S);
      checkF32(fn, 'X', X, total); checkF32(fn, 'dY', dY, total); checkF32(fn, 'dX', dX, total);
      checkF32(fn, 'mean', mean, C); checkF32(fn, 'invStd', invStd, C); checkF32(fn, 'gamma', gamma, C);
      checkF32(fn, 'dGamma', dGamma, C); checkF32(fn, 'dBeta', dBeta, C);
      checkDisjoint(fn, 'dX', dX, BN_BACKWARD_INPUTS, X, dY, mean, invStd, gamma);
      checkDisjoint(fn, 'dGamma', dGamma, BN_BACKWARD_INPUTS, X, dY, mean, invStd, gamma);
      checkDisjoint(fn, 'dBeta', dBeta, BN_BACKWARD_INPUTS, X, dY, mean, invStd, gamma);
      checkNoOverlap(fn, 'dGamma', dGamma, 'dBeta', dBeta);
      checkNoOverlap(fn, 'dX', dX, 'dGamma', dGamma);
      checkNoOverlap(fn, 'dX', dX, 'dBeta', dBeta);
      raw.batchNormBackward(M, C, S, X, mean, invStd, gamma, dY, dX, dGamma, dBeta);
    },

    dropoutForward(n, keep, seed, X, mask, Y) {
      const fn = 'dropoutForward';
      checkSize(fn, 'n', n);
      checkRange(fn, 'keep', keep, 0, 1, true);
      if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        fail('ERR_INVALID_ARG', `dropoutForward: seed must be an integer in [0, 2^32), got ${String(seed)}`);
      }
      checkF32(fn, 'X', X, n); checkF32(fn, 'Y', Y, n);
      checkArray(fn, 'mask', mask, 'Uint8Array', n);
      checkNoOverlap(fn, 'Y', Y, 'X', X, true);
      raw.dropoutForward(n, keep, seed, X, mask, Y);
    },

    dropoutBackward(n, keep, mask, dY, dX) {
      const fn = 'dropoutBackward';
      checkSize(fn, 'n', n);
      checkRange(fn, 'keep', keep, 0, 1, true);
      checkArray(fn, 'mask', mask, 'Uint8Array', n);
      checkF32(fn, 'dY', dY, n); checkF32(fn, 'dX', dX, n);
      checkNoOverlap(fn, 'dX', dX, 'dY', dY, true);
      raw.dropoutBackward(n, keep, mask, dY, dX);
    },

    im2col(C, H, W, kh, kw, stride, pad, dilation, X, cols) {
      const fn = 'im2col';
      checkConv(fn, 1, C, H, W, 0, kh, kw, stride, pad, dilation);
      checkF32(fn, 'X', X, checkProduct(fn, 'C·H·W', C, H, W));
      checkF32(fn, 'cols', cols, checkProduct(fn, 'C·kh·kw·OH·OW', geo.K, geo.P));
      checkNoOverlap(fn, 'cols', cols, 'X', X);
      raw.im2col(C, H, W, kh, kw, stride, pad, dilation, X, cols);
    },

    col2im(C, H, W, kh, kw, stride, pad, dilation, cols, X) {
      const fn = 'col2im';
      checkConv(fn, 1, C, H, W, 0, kh, kw, stride, pad, dilation);
      checkF32(fn, 'cols', cols, checkProduct(fn, 'C·kh·kw·OH·OW', geo.K, geo.P));
      checkF32(fn, 'X', X, checkProduct(fn, 'C·H·W', C, H, W));
      checkNoOverlap(fn, 'X', X, 'cols', cols);
      raw.col2im(C, H, W, kh, kw, stride, pad, dilation, cols, X);
    },

    conv2dForward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, bias, cols, Y) {
      const fn = 'conv2dForward';
      checkConv(fn, N, C, H, W, O, kh, kw, stride, pad, dilation);
      checkF32(fn, 'X', X, checkProduct(fn, 'N·C·H·W', N, C, H, W));
      checkF32(fn, 'weight', weight, checkProduct(fn, 'O·C·kh·kw', O, geo.K));
      if (bias !== null) checkF32(fn, 'bias', bias, O);
      checkF32(fn, 'cols', cols, checkProduct(fn, 'C·kh·kw·OH·OW', geo.K, geo.P));
      checkF32(fn, 'Y', Y, checkProduct(fn, 'N·O·OH·OW', N, O, geo.P));
      checkDisjoint(fn, 'cols', cols, CONV_INPUTS, X, weight, bias);
      checkDisjoint(fn, 'Y', Y, CONV_INPUTS, X, weight, bias, cols);
      raw.conv2dForward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, bias, cols, Y);
    },

    conv2dBackward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias, dX) {
      const fn = 'conv2dBackward';
      checkConv(fn, N, C, H, W, O, kh, kw, stride, pad, dilation);
      const nchw = checkProduct(fn, 'N·C·H·W', N, C, H, W);
      checkF32(fn, 'X', X, nchw);
      checkF32(fn, 'weight', weight, checkProduct(fn, 'O·C·kh·kw', O, geo.K));
      checkF32(fn, 'dY', dY, checkProduct(fn, 'N·O·OH·OW', N, O, geo.P));
      checkF32(fn, 'cols', cols, checkProduct(fn, 'C·kh·kw·OH·OW', geo.K, geo.P));
      checkNumber(fn, 'beta', beta);
      checkF32(fn, 'dWeight', dWeight, checkProduct(fn, 'O·C·kh·kw', O, geo.K));
      if (dBias !== null) checkF32(fn, 'dBias', dBias, O);
      if (dX !== null) checkF32(fn, 'dX', dX, nchw);
      checkDisjoint(fn, 'cols', cols, CONV_BACKWARD_INPUTS, X, weight, dY);
      checkDisjoint(fn, 'dWeight', dWeight, CONV_BACKWARD_INPUTS, X, weight, dY, cols);
      if (dBias !== null) {
        checkDisjoint(fn, 'dBias', dBias, CONV_BACKWARD_INPUTS, X, weight, dY, cols);
        checkNoOverlap(fn, 'dBias', dBias, 'dWeight', dWeight);
      }
      if (dX !== null) {
        checkDisjoint(fn, 'dX', dX, CONV_BACKWARD_INPUTS, X, weight, dY, cols);
        checkNoOverlap(fn, 'dX', dX, 'dWeight', dWeight);
        if (dBias !== null) checkNoOverlap(fn, 'dX', dX, 'dBias', dBias);
      }
      raw.conv2dBackward(N, C, H, W, O, kh, kw, stride, pad, dilation, X, weight, dY, cols, beta, dWeight, dBias, dX);
    },

    maxPool2dForward(N, C, H, W, k, stride, pad, X, Y, argmax) {
      const fn = 'maxPool2dForward';
      checkPool(fn, N, C, H, W, k, stride, pad);
      checkF32(fn, 'X', X, checkProduct(fn, 'N·C·H·W', N, C, H, W));
      const out = checkProduct(fn, 'N·C·OH·OW', N, C, geo.P);
      checkF32(fn, 'Y', Y, out);
      checkArray(fn, 'argmax', argmax, 'Int32Array', out);
      checkNoOverlap(fn, 'Y', Y, 'X', X);
      checkNoOverlap(fn, 'argmax', argmax, 'X', X);
      checkNoOverlap(fn, 'argmax', argmax, 'Y', Y);
      raw.maxPool2dForward(N, C, H, W, k, stride, pad, X, Y, argmax);
    },

    maxPool2dBackward(N, C, H, W, k, stride, pad, dY, argmax, dX) {
      const fn = 'maxPool2dBackward';
      checkPool(fn, N, C, H, W, k, stride, pad);
      const out = checkProduct(fn, 'N·C·OH·OW', N, C, geo.P);
      checkF32(fn, 'dY', dY, out);
      const idx = checkArray<Int32Array>(fn, 'argmax', argmax, 'Int32Array', out);
      checkF32(fn, 'dX', dX, checkProduct(fn, 'N·C·H·W', N, C, H, W));
      checkNoOverlap(fn, 'dX', dX, 'dY', dY);
      checkNoOverlap(fn, 'dX', dX, 'argmax', argmax);
      // The indices address dX: one outside its plane would write out of bounds.
      const plane = H * W;
      for (let i = 0; i < out; i++) {
        const a = idx[i];
        if (a < 0 || a >= plane) fail('ERR_INVALID_ARG', `${fn}: argmax[${i}] = ${a} is outside its H·W = ${plane} plane`);
      }
      raw.maxPool2dBackward(N, C, H, W, k, stride, pad, dY, argmax, dX);
    },

    avgPool2dForward(N, C, H, W, k, stride, pad, X, Y) {
      const fn = 'avgPool2dForward';
      checkPool(fn, N, C, H, W, k, stride, pad);
      checkF32(fn, 'X', X, checkProduct(fn, 'N·C·H·W', N, C, H, W));
      checkF32(fn, 'Y', Y, checkProduct(fn, 'N·C·OH·OW', N, C, geo.P));
      checkNoOverlap(fn, 'Y', Y, 'X', X);
      raw.avgPool2dForward(N, C, H, W, k, stride, pad, X, Y);
    },

    avgPool2dBackward(N, C, H, W, k, stride, pad, dY, dX) {
      const fn = 'avgPool2dBackward';
      checkPool(fn, N, C, H, W, k, stride, pad);
      checkF32(fn, 'dY', dY, checkProduct(fn, 'N·C·OH·OW', N, C, geo.P));
      checkF32(fn, 'dX', dX, checkProduct(fn, 'N·C·H·W', N, C, H, W));
      checkNoOverlap(fn, 'dX', dX, 'dY', dY);
      raw.avgPool2dBackward(N, C, H, W, k, stride, pad, dY, dX);
    },

    sgdStep(n, param, grad, momentumBuf, step, o: SgdOptions) {
      const fn = 'sgdStep';
      checkOptions(fn, o, SGD);
      if (!Number.isInteger(step) || step < 1) fail('ERR_INVALID_ARG', `${fn}: step must be an integer >= 1, got ${String(step)}`);
      if (o.momentum !== 0 && momentumBuf === null) fail('ERR_INVALID_ARG', `${fn}: momentumBuf is required when momentum is ${o.momentum}`);
      if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) fail('ERR_INVALID_ARG', `${fn}: Nesterov momentum requires momentum > 0 and dampening = 0`);
      checkUpdate(fn, n, SGD_ARRAYS, param, grad, momentumBuf);
      raw.sgdStep(n, param, grad, momentumBuf, step, o);
    },

    adamStep(n, param, grad, m, v, vMax, step, o: AdamOptions) {
      const fn = 'adamStep';
      checkOptions(fn, o, ADAM);
      checkRange(fn, 'options.beta1', o.beta1, 0, 1);
      checkRange(fn, 'options.beta2', o.beta2, 0, 1);
      if (!Number.isInteger(step) || step < 1) fail('ERR_INVALID_ARG', `${fn}: step must be an integer >= 1, got ${String(step)}`);
      if (o.amsgrad && vMax === null) fail('ERR_INVALID_ARG', `${fn}: vMax is required when amsgrad is true`);
      checkUpdate(fn, n, ADAM_ARRAYS, param, grad, m, v, o.amsgrad ? vMax : null);
      raw.adamStep(n, param, grad, m, v, o.amsgrad ? vMax : null, step, o);
    },

    rmspropStep(n, param, grad, squareAvg, gradAvg, momentumBuf, o: RmspropOptions) {
      const fn = 'rmspropStep';
      checkOptions(fn, o, RMSPROP);
      if (o.centered && gradAvg === null) fail('ERR_INVALID_ARG', `${fn}: gradAvg is required when centered is true`);
      if (o.momentum !== 0 && momentumBuf === null) fail('ERR_INVALID_ARG', `${fn}: momentumBuf is required when momentum is ${o.momentum}`);
      checkUpdate(fn, n, RMSPROP_ARRAYS, param, grad, squareAvg, o.centered ? gradAvg : null, o.momentum !== 0 ? momentumBuf : null);
      raw.rmspropStep(n, param, grad, squareAvg, o.centered ? gradAvg : null, o.momentum !== 0 ? momentumBuf : null, o);
    },

    adagradStep(n, param, grad, sum, step, o: AdagradOptions) {
      const fn = 'adagradStep';
      checkOptions(fn, o, ADAGRAD);
      if (!Number.isInteger(step) || step < 1) fail('ERR_INVALID_ARG', `${fn}: step must be an integer >= 1, got ${String(step)}`);
      checkUpdate(fn, n, ADAGRAD_ARRAYS, param, grad, sum);
      raw.adagradStep(n, param, grad, sum, step, o);
    },

    axpy(n, alpha, X, Y) {
      checkSize('axpy', 'n', n); checkNumber('axpy', 'alpha', alpha);
      checkF32('axpy', 'X', X, n); checkF32('axpy', 'Y', Y, n);
      checkNoOverlap('axpy', 'Y', Y, 'X', X, true);
      raw.axpy(n, alpha, X, Y);
    },
    scale(n, alpha, X) {
      checkSize('scale', 'n', n); checkNumber('scale', 'alpha', alpha); checkF32('scale', 'X', X, n);
      raw.scale(n, alpha, X);
    },
    fill(n, value, X) {
      checkSize('fill', 'n', n);
      if (typeof value !== 'number') fail('ERR_INVALID_ARG', `fill: value must be a number, got ${typeof value}`);
      checkF32('fill', 'X', X, n);
      raw.fill(n, value, X);
    },
    copy(n, X, Y) {
      checkSize('copy', 'n', n); checkF32('copy', 'X', X, n); checkF32('copy', 'Y', Y, n);
      checkNoOverlap('copy', 'Y', Y, 'X', X, true);
      raw.copy(n, X, Y);
    },
    mul(n, X, Y, Z) {
      checkSize('mul', 'n', n); checkF32('mul', 'X', X, n); checkF32('mul', 'Y', Y, n); checkF32('mul', 'Z', Z, n);
      checkNoOverlap('mul', 'Z', Z, 'X', X, true);
      checkNoOverlap('mul', 'Z', Z, 'Y', Y, true);
      raw.mul(n, X, Y, Z);
    },
    sum(n, X) {
      checkSize('sum', 'n', n); checkF32('sum', 'X', X, n);
      return raw.sum(n, X);
    },

    setNumThreads(n) {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
        fail('ERR_INVALID_ARG', `setNumThreads: n must be an integer in [1, 1024], got ${String(n)}`);
      }
      raw.setNumThreads(n);
    },
    getNumThreads: () => raw.getNumThreads(),
  };
}
