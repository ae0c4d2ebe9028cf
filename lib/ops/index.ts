/** The graph's differentiable ops; every one runs its arithmetic through the backend contract. */
export { matmul } from './matmul.js';
export { add, sub, mul, mulScalar, reshape } from './elementwise.js';
export { sum, mean } from './reduce.js';
export {
  activation,
  softmax,
  logSoftmax,
  relu,
  sigmoid,
  tanh,
  defaultActivationParam,
  DEFAULT_ELU_ALPHA,
  DEFAULT_LEAKY_SLOPE,
} from './activation.js';
export { dense } from './dense.js';
export { batchNorm, type BatchNormOptions, type RunningStats } from './batchnorm.js';
export { conv2d, convOutputSize, type Conv2dOptions } from './conv.js';
export { maxPool2d, avgPool2d, type Pool2dOptions } from './pool.js';
export { dropout } from './dropout.js';
export { softmaxCrossEntropyOp, softmaxCrossEntropySoftOp, sigmoidBceOp, mseOp, l2PenaltyOp } from './losses.js';
export { Workspace } from './workspace.js';
export { currentBackend, useBackend, withBackend } from './current-backend.js';
export { checkFinite, checkLabels } from './checks.js';
// The sequence layers' ops.
export { conv1d, type Conv1dOptions } from './conv1d.js';
export { maxPool1d, avgPool1d, globalMaxPool, globalAvgPool, type Pool1dOptions } from './pool1d.js';
export { layerNorm } from './layernorm.js';
export { embedding } from './embedding.js';
export { recurrent, type RecurrentSpec, type RecurrentWeights, type RecurrentResult } from './recurrent.js';
