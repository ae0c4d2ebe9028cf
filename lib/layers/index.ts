/** Layers and the Sequential container. */
export { Layer, uniqueLayerName, type ForwardOptions } from './layer.js';
export { Dense, type DenseOptions, type DenseActivation } from './dense.js';
export { Activation, ReLU, Sigmoid, Tanh, Softplus, Softmax, LeakyReLU, ELU, type ActivationName } from './activation.js';
export { Dropout } from './dropout.js';
export { BatchNorm, BatchNorm1d, type BatchNormLayerOptions } from './batchnorm.js';
export { Flatten } from './flatten.js';
export { Sequential, type SequentialForwardOptions } from './sequential.js';
