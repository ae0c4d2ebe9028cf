/** Layers and the Sequential container. */
export { Layer, uniqueLayerName, type ForwardOptions } from './layer.js';
export { Dense, type DenseOptions, type DenseActivation } from './dense.js';
export {
  Activation,
  Identity,
  ReLU,
  Sigmoid,
  Tanh,
  Softplus,
  Softmax,
  LeakyReLU,
  ELU,
  LogSoftmax,
  GELU,
  SiLU,
  SELU,
  Mish,
  Softsign,
  Hardsigmoid,
  ReLU6,
  type ActivationName,
} from './activation.js';
export { Dropout } from './dropout.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './batchnorm.js';
export { Conv2d, type Conv2dLayerOptions } from './conv2d.js';
export { MaxPool2d, AvgPool2d, type Pool2dLayerOptions } from './pool.js';
export { Flatten } from './flatten.js';
export { Unflatten } from './unflatten.js';
export { TargetScaling } from './target-scaling.js';
export { Sequential, type SequentialForwardOptions } from './sequential.js';
// The sequence layers.
export { Conv1d, type Conv1dLayerOptions } from './conv1d.js';
export {
  MaxPool1d,
  AvgPool1d,
  GlobalAvgPool1d,
  GlobalMaxPool1d,
  GlobalAvgPool2d,
  GlobalMaxPool2d,
  type Pool1dLayerOptions,
} from './pool1d.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export {
  LSTM,
  GRU,
  Recurrent,
  RECURRENT_RETURNS,
  type RecurrentLayerOptions,
  type RecurrentReturns,
  type RunOptions,
} from './recurrent.js';
