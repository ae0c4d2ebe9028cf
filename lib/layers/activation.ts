/** Activation layers: one elementwise kernel call each way (softmax: row-wise). */
import type { ActivationKind } from '../backend/contract.js';
import { activation, checkActivation, defaultActivationParam, logSoftmax, softmax } from '../ops/activation.js';
import { show } from '../check.js';
import { fail } from '../errors.js';
import type { Tensor, Shape } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export type ActivationName = ActivationKind | 'softmax' | 'logSoftmax';
/** The row-wise kinds: not elementwise, no parameter, not a kernel activation code. */
const isRowWise = (kind: ActivationName): kind is 'softmax' | 'logSoftmax' => kind === 'softmax' || kind === 'logSoftmax';

export class Activation extends Layer {
  readonly type: string;
  readonly kind: ActivationName;
  /** The leaky-relu slope or the ELU alpha. */
  readonly param: number;

  constructor(kind: ActivationName, options: { alpha?: number; name?: string } = {}) {
    super(kind, options.name);
    this.kind = kind;
    this.param = isRowWise(kind) ? 0 : (options.alpha ?? defaultActivationParam(kind));
    if (!isRowWise(kind)) checkActivation(this.name, kind, this.param);
    this.type = TYPE_NAMES[kind];
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const ws = this.workspace(options);
    if (this.kind === 'softmax') return softmax(x, ws);
    if (this.kind === 'logSoftmax') return logSoftmax(x, ws);
    return activation(x, this.kind, this.param, ws);
  }

  outputShape(inputShape: Shape): number[] {
    return [...inputShape];
  }

  /** `alpha` only where the kind has a parameter (LeakyReLU's slope, ELU's alpha). */
  override getConfig(): LayerConfig {
    const config: LayerConfig = { type: this.type, name: this.name };
    if (this.kind === 'leaky_relu' || this.kind === 'elu') config.alpha = this.param;
    if (this.kind === 'gelu_tanh') config.approximate = 'tanh';
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
  gelu: 'GELU',
  gelu_tanh: 'GELU', // with approximate: 'tanh' in its config, as PyTorch's nn.GELU(approximate='tanh')
  silu: 'SiLU',
  selu: 'SELU',
  mish: 'Mish',
  softsign: 'Softsign',
  hardsigmoid: 'Hardsigmoid',
  relu6: 'ReLU6',
  softmax: 'Softmax',
  logSoftmax: 'LogSoftmax',
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
export class LogSoftmax extends Activation {
  constructor(options?: { name?: string }) {
    super('logSoftmax', options);
  }
}
/** GELU, exact (x·Φ(x), with erf) or, with approximate: 'tanh', PyTorch's tanh approximation. */
export class GELU extends Activation {
  constructor(options: { approximate?: 'none' | 'tanh'; name?: string } = {}) {
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      fail('ERR_INVALID_ARG', `GELU: approximate must be 'none' or 'tanh', got ${show(approximate)}`);
    }
    super(approximate === 'tanh' ? 'gelu_tanh' : 'gelu', { name: options.name });
  }
}
/** x·σ(x), also called swish. */
export class SiLU extends Activation {
  constructor(options?: { name?: string }) {
    super('silu', options);
  }
}
/** PyTorch's SELU: scale·(x > 0 ? x : alpha·(eˣ − 1)), alpha ≈ 1.6733, scale ≈ 1.0507. */
export class SELU extends Activation {
  constructor(options?: { name?: string }) {
    super('selu', options);
  }
}
/** x·tanh(softplus(x)). */
export class Mish extends Activation {
  constructor(options?: { name?: string }) {
    super('mish', options);
  }
}
/** x/(1 + |x|). */
export class Softsign extends Activation {
  constructor(options?: { name?: string }) {
    super('softsign', options);
  }
}
/** PyTorch's relu6(x + 3)/6. */
export class Hardsigmoid extends Activation {
  constructor(options?: { name?: string }) {
    super('hardsigmoid', options);
  }
}
/** min(max(x, 0), 6). */
export class ReLU6 extends Activation {
  constructor(options?: { name?: string }) {
    super('relu6', options);
  }
}
