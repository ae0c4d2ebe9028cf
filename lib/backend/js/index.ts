/**
 * The pure-TypeScript backend: the specification every other backend must match. Raw — it trusts its
 * arguments; lib/backend/checked.ts validates them before any call reaches these functions.
 */
import type { Backend } from '../contract.js';
import { activationBackward, activationForward } from './activations.js';
import { batchNormBackward, batchNormForward } from './batchnorm.js';
import { col2im, conv2dBackward, conv2dForward, im2col } from './conv.js';
import { dropoutBackward, dropoutForward } from './dropout.js';
import { axpy, copy, fill, mul, scale, sum } from './elementwise.js';
import { biasAdd, colSum, denseBackward, denseForward, sgemm } from './gemm.js';
import { mse, sigmoidBce, softmaxCrossEntropy, softmaxCrossEntropySoft } from './losses.js';
import { adagradStep, adamStep, rmspropStep, sgdStep } from './optim.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool.js';
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
  im2col,
  col2im,
  conv2dForward,
  conv2dBackward,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
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
