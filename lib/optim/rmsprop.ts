/**
 * RMSprop with PyTorch 1.13's rule (which adds eps outside the square root, unlike TensorFlow), optionally
 * centered (divides by an estimate of the gradient's variance instead of its second moment) and with momentum.
 */
import type { Backend, RmspropOptions } from '../backend/contract.js';
import { bool, checkKnownKeys, given, nonNegative, optionsObject } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface RMSpropConfig {
  lr?: number; // 1e-2
  alpha?: number; // 0.99 (smoothing constant)
  eps?: number; // 1e-8
  weightDecay?: number; // 0
  momentum?: number; // 0
  centered?: boolean; // false
  backend?: Backend;
}

const OWNER = 'RMSprop';
const KNOWN = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'backend'] as const;

function resolve(raw: unknown): RmspropOptions {
  const o = optionsObject(OWNER, raw);
  checkKnownKeys(OWNER, o, KNOWN);
  return {
    lr: nonNegative(OWNER, 'lr', given(o.lr, 1e-2)),
    alpha: nonNegative(OWNER, 'alpha', given(o.alpha, 0.99)),
    eps: nonNegative(OWNER, 'eps', given(o.eps, 1e-8)),
    weightDecay: nonNegative(OWNER, 'weightDecay', given(o.weightDecay, 0)),
    momentum: nonNegative(OWNER, 'momentum', given(o.momentum, 0)),
    centered: bool(OWNER, 'centered', given(o.centered, false)),
  };
}

export class RMSprop extends Optimizer {
  private readonly o: RmspropOptions;

  constructor(params: Iterable<Parameter>, config?: RMSpropConfig) {
    const o = resolve(config);
    super('rmsprop', OWNER, params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(hyper: RmspropOptions): readonly string[] {
    const names = ['squareAvg'];
    if (hyper.centered) names.push('gradAvg');
    if (hyper.momentum > 0) names.push('momentum');
    return names;
  }

  protected hyperFromState(hyper: Record<string, unknown>): RmspropOptions {
    return resolve(hyper);
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], _step: number): number {
    // Slots are ['squareAvg', 'gradAvg'?, 'momentum'?]: momentum sits after gradAvg when both exist.
    const { centered, momentum } = this.o;
    return this.backend.rmspropStep(
      n,
      param,
      grad,
      slots[0],
      centered ? slots[1] : null,
      momentum > 0 ? slots[centered ? 2 : 1] : null,
      this.o,
    );
  }
}
