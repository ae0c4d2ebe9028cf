/**
 * What `neuroblas train` builds from its flags: an MLP from "--layers 784-128-10 --activation relu" (the
 * activation on every hidden layer, a linear output whose logits feed softmax cross-entropy) and an optimizer
 * by name. The widths are checked against the data first, so a mismatch names the flag, not a layer.
 */
import { ACTIVATION_KINDS, type ActivationKind } from '../backend/contract.js';
import { fail } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Sequential } from '../layers/sequential.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer, type Parameter } from '../optim/index.js';

/** Hidden-layer activations the CLI offers (linear hidden layers would collapse the MLP to one layer). */
export const HIDDEN_ACTIVATIONS: readonly ActivationKind[] = ACTIVATION_KINDS.filter((k) => k !== 'linear');
export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** The CLI's learning rate when --lr is not given: PyTorch's defaults, and 0.1 for SGD, which has none. */
export const DEFAULT_LR: Record<OptimizerName, number> = { sgd: 0.1, adam: 1e-3, adamw: 1e-3, rmsprop: 1e-2, adagrad: 1e-2 };
/** Hidden width when --layers is not given. */
export const DEFAULT_HIDDEN = 100;

/** The widths to build: --layers as given (checked against the data), or features-100-classes. */
/** The flags that name the data, the model and the optimizer (train.ts's addModelFlags): train's, submit's, sweep's. */
export interface ModelFlags {
  data?: string;
  model?: string;
  layers?: number[];
  activation: ActivationKind;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  l2?: number;
  clipNorm?: number;
}

export function layerWidths(given: number[] | undefined, features: number, classes: number, dataName: string): number[] {
  if (given === undefined) return [features, DEFAULT_HIDDEN, classes];
  if (given[0] !== features)
    fail(
      'ERR_INVALID_ARG',
      `--layers starts with ${given[0]} inputs, but ${dataName} has ${features} features per row ` +
        `(use --layers ${[features, ...given.slice(1)].join('-')})`,
    );
  const out = given[given.length - 1];
  if (out < classes)
    fail(
      'ERR_INVALID_ARG',
      `--layers ends with ${out} outputs, but ${dataName} has ${classes} classes ` +
        `(use --layers ${[...given.slice(0, -1), classes].join('-')})`,
    );
  return given;
}

export function buildMlp(widths: readonly number[], activation: ActivationKind): Sequential {
  if (!HIDDEN_ACTIVATIONS.includes(activation))
    fail('ERR_INVALID_ARG', `--activation must be one of ${HIDDEN_ACTIVATIONS.join(', ')}, got ${activation}`);
  const layers = widths.slice(1).map((out, i) => new Dense(widths[i], out, { activation: i < widths.length - 2 ? activation : 'linear' }));
  return new Sequential(layers);
}

export interface OptimizerFlags {
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
}

export function buildOptimizer(params: Iterable<Parameter>, flags: OptimizerFlags): Optimizer {
  const lr = flags.lr ?? DEFAULT_LR[flags.optimizer];
  const takesMomentum = flags.optimizer === 'sgd' || flags.optimizer === 'rmsprop';
  if (flags.momentum !== undefined && !takesMomentum)
    fail('ERR_INVALID_ARG', `--momentum applies to sgd and rmsprop, not ${flags.optimizer}`);
  const momentum = flags.momentum ?? 0;
  switch (flags.optimizer) {
    case 'sgd':
      return new SGD(params, { lr, momentum });
    case 'adam':
      return new Adam(params, { lr });
    case 'adamw':
      return new AdamW(params, { lr });
    case 'rmsprop':
      return new RMSprop(params, { lr, momentum });
    case 'adagrad':
      return new Adagrad(params, { lr });
  }
}
