/** Optimizers, learning-rate schedules and early stopping. */
export { Optimizer, type Parameter, type OptimizerState, type HyperValue } from './optimizer.js';
export { SGD, type SGDConfig } from './sgd.js';
export { Adam, AdamW, type AdamConfig } from './adam.js';
export { RMSprop, type RMSpropConfig } from './rmsprop.js';
export { Adagrad, type AdagradConfig } from './adagrad.js';
export { Adadelta, type AdadeltaConfig } from './adadelta.js';
export { Adamax, NAdam, type AdamaxConfig, type NAdamConfig } from './adamax.js';
export {
  StepLR,
  ExponentialLR,
  CosineAnnealingLR,
  ReduceLROnPlateau,
  LinearLR,
  CosineAnnealingWarmRestarts,
  OneCycleLR,
  type LinearLRConfig,
  type CosineAnnealingWarmRestartsConfig,
  type OneCycleLRConfig,
  type OneCycleLRState,
  type StepLRConfig,
  type ExponentialLRConfig,
  type CosineAnnealingLRConfig,
  type ReduceLROnPlateauConfig,
} from './schedules.js';
export { EarlyStopping, type EarlyStoppingConfig } from './early-stopping.js';
export { clipGradNorm, clipGradValue, gradNorm, type ClipGradNormOptions } from './clip.js';
