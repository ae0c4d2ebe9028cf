/** Activation layers: one elementwise kernel call each way (softmax: row-wise). */
import type { ActivationKind } from '../backend/contract.js';
import { activation, checkActivation, defaultActivationParam, softmax } from '../ops/activation.js';
import type { Tensor, Shape } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export type ActivationName = ActivationKind | 'softmax';

export class Activation extends Layer {
  readonly type: string;
  readonly kind: ActivationName;
  /** The leaky-relu slope or the ELU alpha. */
  readonly param: number;

  constructor(kind: ActivationName, options: { alpha?: number; name?: string } = {}) {
    super(kind, options.name);
    this.kind = kind;
    this.param = kind === 'softmax' ? 0 : (options.alpha ?? defaultActivationParam(kind));
    if (kind !== 'softmax') checkActivation(this.name, kind, this.param);
    this.type = TYPE_NAMES[kind];
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const ws = this.workspace(options);
    return this.kind === 'softmax' ? softmax(x, ws) : activation(x, this.kind, this.param, ws);
  }

  outputShape(inputShape: Shape): number[] {
    return [...inputShape];
  }

  /** `alpha` only where the kind has a parameter (LeakyReLU's slope, ELU's alpha). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = { type: this.type, name: this.name };
    if (this.kind === 'leaky_relu' || this.kind === 'elu') config.alpha = this.param;
    return config;
  }
}

const TYPE_NAMES: Record<ActivationName, string> = {
  linear: 'Identity',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'ReLU',
  leaky_relu: 'LeakyReLU',
  elu: 'ELU',
  softplus: 'Softplus',
  softmax: 'Softmax',
};

/**
 * PyTorch-named shorthands. Identity is the 'linear' kind (f(x) = x), PyTorch's nn.Identity; its config type was
 * "Linear" before 0.2, which still loads (lib/layers/registry.ts) but is not nn.Linear (that is Dense).
 */
export class Identity extends Activation {
  constructor(options?: { name?: string }) {
    super('linear', options);
  }
}
export class ReLU extends Activation {
  constructor(options?: { name?: string }) {
    super('relu', options);
  }
}
export class Sigmoid extends Activation {
  constructor(options?: { name?: string }) {
    super('sigmoid', options);
  }
}
export class Tanh extends Activation {
  constructor(options?: { name?: string }) {
    super('tanh', options);
  }
}
export class Softplus extends Activation {
  constructor(options?: { name?: string }) {
    super('softplus', options);
  }
}
export class Softmax extends Activation {
  constructor(options?: { name?: string }) {
    super('softmax', options);
  }
}
export class LeakyReLU extends Activation {
  constructor(slope = 0.01, options?: { name?: string }) {
    super('leaky_relu', { ...options, alpha: slope });
  }
}
export class ELU extends Activation {
  constructor(alpha = 1, options?: { name?: string }) {
    super('elu', { ...options, alpha });
  }
}
