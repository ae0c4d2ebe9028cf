/**
 * The pure-TypeScript backend: the specification every other backend must match. Raw — it trusts its
 * arguments; lib/backend/checked.ts validates them before any call reaches these functions.
 */
import type { Backend } from '../contract.js';
import { activationBackward, activationForward } from './activations.js';
import { batchNormBackward, batchNormForward } from './batchnorm.js';
import { dropoutBackward, dropoutForward } from './dropout.js';
import { axpy, copy, fill, mul, scale, sum } from './elementwise.js';
import { biasAdd, colSum, denseBackward, denseForward, sgemm } from './gemm.js';
import { mse, sigmoidBce, softmaxCrossEntropy, softmaxCrossEntropySoft } from './losses.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import { softmaxBackward, softmaxForward } from './softmax.js';

export { dropoutHash, keepThreshold } from './dropout.js';

export const jsBackend: Backend = {
  name: 'js',
  sgemm,
  biasAdd,
  colSum,
  denseForward,
  denseBackward,
  activationForward,
  activationBackward,
  softmaxForward,
  softmaxBackward,
  softmaxCrossEntropy,
  softmaxCrossEntropySoft,
  sigmoidBce,
  mse,
  batchNormForward,
  batchNormBackward,
  dropoutForward,
  dropoutBackward,
  sgdStep,
  adamStep,
  rmspropStep,
  adagradStep,
  axpy,
  scale,
  fill,
  copy,
  mul,
  sum,
  // JavaScript runs the kernels on the calling thread; there is nothing to configure.
  setNumThreads(_n: number): void {},
  getNumThreads: () => 1,
};
