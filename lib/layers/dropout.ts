/** Inverted dropout: in training, zero each element with probability `rate` and scale the rest by 1/(1 − rate); identity in eval. */
import { fail } from '../errors.js';
import { dropout } from '../ops/dropout.js';
import { defaultRandom, type Random } from '../random.js';
import type { Tensor, Shape } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export class Dropout extends Layer {
  readonly type = 'Dropout';
  readonly rate: number;
  /** The generator masks are drawn from (default: the library's seeded one). */
  readonly rng: Random;

  constructor(rate = 0.5, options: { name?: string; rng?: Random } = {}) {
    super('dropout', options.name);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1))
      fail('ERR_INVALID_ARG', `${this.name}: rate must be in [0, 1), got ${String(rate)}`);
    this.rate = rate;
    this.rng = options.rng ?? defaultRandom;
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    if (!this.training || this.rate === 0) return x;
    // A fresh mask per call, from the one seeded generator: a seeded run repeats its masks exactly.
    return dropout(x, 1 - this.rate, this.rng.nextUint32(), this.workspace(options));
  }

  outputShape(inputShape: Shape): number[] {
    return [...inputShape];
  }

  override generators(): Random[] {
    return [this.rng];
  }

  /** The generator is not part of the architecture: a rebuilt Dropout draws from the library's one. */
  override getConfig(): LayerConfig {
    return { type: 'Dropout', name: this.name, rate: this.rate };
  }
}
