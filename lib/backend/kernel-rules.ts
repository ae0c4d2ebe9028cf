/**
 * What the contract table cannot say by itself: dimensions derived from sizes (a convolution's output size),
 * and rules between arguments (a state buffer the options need, labels that index a row). Each is named in a
 * kernel's entry in contract.ts and run by checked.ts; `v` holds the call's arguments by name, already checked
 * one by one. They allocate nothing: they run on every kernel call.
 */
import { fail } from '../errors.js';
import type { Values } from './kernel-spec.js';
import { MAX_DIM } from './validate.js';

/** Output size along one axis; ERR_SHAPE when the window does not fit the padded input (no output position). */
function windowAxis(fn: string, axis: string, size: number, k: number, stride: number, pad: number, dilation: number): number {
  // Inexact only beyond 2^53, where it is far beyond any padded size (< 2^33) anyway.
  const span = dilation * (k - 1) + 1;
  const padded = size + 2 * pad;
  if (span > padded)
    fail('ERR_SHAPE', `${fn}: the ${span}-wide window does not fit ${axis} = ${size} with padding ${pad} (no output position)`);
  const out = Math.floor((padded - span) / stride) + 1;
  if (out > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: the output size along ${axis} (${out}) is beyond ${MAX_DIM}`);
  return out;
}

/** A convolution's OH and OW. C·kh·kw and OH·OW are GEMM dimensions, so each must fit the 32-bit interface. */
export function convGeometry(fn: string, v: Values): void {
  v.OH = windowAxis(fn, 'H', v.H, v.kh, v.stride, v.pad, v.dilation);
  v.OW = windowAxis(fn, 'W', v.W, v.kw, v.stride, v.pad, v.dilation);
  const K = v.C * v.kh * v.kw;
  if (K > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: C·kh·kw = ${K} is beyond ${MAX_DIM}`);
  const P = v.OH * v.OW;
  if (P > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: OH·OW = ${P} is beyond ${MAX_DIM}`);
}

/** A pooling's OH and OW; pad ≤ k/2, so every window holds a real pixel. */
export function poolGeometry(fn: string, v: Values): void {
  if (2 * v.pad > v.k) fail('ERR_INVALID_ARG', `${fn}: pad must be at most half the window (k = ${v.k}), got ${v.pad}`);
  v.OH = windowAxis(fn, 'H', v.H, v.k, v.stride, v.pad, 1);
  v.OW = windowAxis(fn, 'W', v.W, v.k, v.stride, v.pad, 1);
  // argmax holds a pixel's index in its plane as an int32.
  if (v.H * v.W > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: H·W = ${v.H}×${v.W} is beyond ${MAX_DIM}`);
}

/** The indices address dX: one outside its plane would write out of bounds. */
export function maxPoolArgmaxInPlane(fn: string, v: Values): void {
  const argmax = v.argmax as Int32Array;
  const count = v.N * v.C * v.OH * v.OW;
  const plane = v.H * v.W;
  for (let i = 0; i < count; i++) {
    const a = argmax[i];
    if (a < 0 || a >= plane) fail('ERR_INVALID_ARG', `${fn}: argmax[${i}] = ${a} is outside its H·W = ${plane} plane`);
  }
}

/** Slope and alpha must be non-negative: the backward passes rely on sign(f(x)) = sign(x). */
export function validActivation(fn: string, v: Values): void {
  if ((v.kind === 'leaky_relu' || v.kind === 'elu') && v.param < 0) {
    fail('ERR_INVALID_ARG', `${fn}: param (${v.kind === 'elu' ? 'alpha' : 'slope'}) must be >= 0, got ${v.param}`);
  }
}

/** The dense kernels need the pre-activation output Z for every activation but the identity. */
export function needsZ(fn: string, v: Values): void {
  if (v.Z === null && v.kind !== 'linear')
    fail('ERR_INVALID_ARG', `${fn}: Z (the pre-activation output) is required for activation ${v.kind}`);
}

/** A softmax over no classes has no probabilities to give. */
export function validClasses(fn: string, v: Values): void {
  if (v.M > 0 && v.N === 0) fail('ERR_SHAPE', `${fn}: N (classes) must be at least 1, got 0`);
}

/** Each label indexes its row of logits. */
export function labelsInRange(fn: string, v: Values): void {
  const labels = v.labels as Int32Array;
  for (let i = 0; i < v.M; i++) {
    const y = labels[i];
    if (y < 0 || y >= v.N) fail('ERR_LABEL', `${fn}: labels[${i}] = ${y} is outside [0, ${v.N})`);
  }
}

export function trainingStatistics(fn: string, v: Values): void {
  if (v.training && v.M * v.S < 2 && v.C > 0)
    fail('ERR_SHAPE', `${fn}: training statistics need more than one value per channel, got M·S = ${v.M * v.S}`);
}

export function requireSgdState(fn: string, v: Values): void {
  if (v.o.momentum !== 0 && v.momentumBuf === null)
    fail('ERR_INVALID_ARG', `${fn}: momentumBuf is required when momentum is ${v.o.momentum}`);
  if (v.o.nesterov && (v.o.momentum <= 0 || v.o.dampening !== 0))
    fail('ERR_INVALID_ARG', `${fn}: Nesterov momentum requires momentum > 0 and dampening = 0`);
}

function unitRange(fn: string, name: string, x: number): void {
  if (x < 0 || x > 1) fail('ERR_INVALID_ARG', `${fn}: options.${name} must be in [0, 1], got ${x}`);
}

export function requireAdamState(fn: string, v: Values): void {
  unitRange(fn, 'beta1', v.o.beta1);
  unitRange(fn, 'beta2', v.o.beta2);
  // The kernels take a present vMax as the switch for AMSGrad, so it is there exactly when amsgrad is.
  if (v.o.amsgrad && v.vMax === null) fail('ERR_INVALID_ARG', `${fn}: vMax is required when amsgrad is true`);
  if (!v.o.amsgrad && v.vMax !== null) fail('ERR_INVALID_ARG', `${fn}: vMax must be null when amsgrad is false`);
}

export function requireRmspropState(fn: string, v: Values): void {
  // The kernels take a present gradAvg as the switch for the centered variant, so it is there exactly when centered is.
  if (v.o.centered && v.gradAvg === null) fail('ERR_INVALID_ARG', `${fn}: gradAvg is required when centered is true`);
  if (!v.o.centered && v.gradAvg !== null) fail('ERR_INVALID_ARG', `${fn}: gradAvg must be null when centered is false`);
  if (v.o.momentum !== 0 && v.momentumBuf === null)
    fail('ERR_INVALID_ARG', `${fn}: momentumBuf is required when momentum is ${v.o.momentum}`);
}

// ---- the sequence layers' kernels (1-D convolution and pooling, gradient clipping)

/** A 1-D convolution's output length OW (OH = 1). C·k and OW are GEMM dimensions. */
export function conv1dGeometry(fn: string, v: Values): void {
  v.OH = 1;
  v.OW = windowAxis(fn, 'L', v.L, v.k, v.stride, v.pad, v.dilation);
  const K = v.C * v.k;
  if (K > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: C·k = ${K} is beyond ${MAX_DIM}`);
}

/** A 1-D pooling's output length OW (OH = 1); pad ≤ k/2, so every window holds a real value. */
export function pool1dGeometry(fn: string, v: Values): void {
  if (2 * v.pad > v.k) fail('ERR_INVALID_ARG', `${fn}: pad must be at most half the window (k = ${v.k}), got ${v.pad}`);
  v.OH = 1;
  v.OW = windowAxis(fn, 'L', v.L, v.k, v.stride, v.pad, 1);
}

/** The indices address dX: one outside its row of L would write out of bounds. */
export function maxPool1dArgmaxInRow(fn: string, v: Values): void {
  const argmax = v.argmax as Int32Array;
  const count = v.N * v.C * v.OW;
  for (let i = 0; i < count; i++) {
    const a = argmax[i];
    if (a < 0 || a >= v.L) fail('ERR_INVALID_ARG', `${fn}: argmax[${i}] = ${a} is outside its row of L = ${v.L}`);
  }
}

/** A norm's order: a number > 0, Infinity included (the max norm). */
export function positivePower(fn: string, v: Values): void {
  if (!(v.p > 0)) fail('ERR_INVALID_ARG', `${fn}: p must be > 0 (Infinity for the max norm), got ${v.p}`);
}

export function orderedBounds(fn: string, v: Values): void {
  if (!(v.lo <= v.hi)) fail('ERR_INVALID_ARG', `${fn}: lo must be <= hi, got lo = ${v.lo}, hi = ${v.hi}`);
}

/** gatherRows: every index names one of src's rows. */
export function rowsInRange(fn: string, v: Values): void {
  const index = v.index as Int32Array;
  for (let i = 0; i < v.n; i++) {
    const r = index[i];
    if (r < 0 || r >= v.rows) fail('ERR_INVALID_ARG', `${fn}: index[${i}] = ${r} is outside [0, ${v.rows}) (src has ${v.rows} rows)`);
  }
}
