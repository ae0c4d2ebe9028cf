/**
 * Adagrad with PyTorch 1.13's rule: per-element learning rates from the running sum of squared gradients,
 * with an optional learning-rate decay over steps and a non-zero starting value for the sum.
 */
import type { AdagradOptions, Backend } from '../backend/contract.js';
import { checkKnownKeys, given, nonNegative, optionsObject } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface AdagradConfig {
  lr?: number; // 1e-2
  lrDecay?: number; // 0
  weightDecay?: number; // 0
  initialAccumulatorValue?: number; // 0: where the sum of squared gradients starts
  eps?: number; // 1e-10
  backend?: Backend;
}

/** The kernel's options plus the sum's starting value (the kernel ignores the extra field). */
type AdagradHyper = AdagradOptions & { initialAccumulatorValue: number };

const OWNER = 'Adagrad';
const KNOWN = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'backend'] as const;

function resolve(raw: unknown): AdagradHyper {
  const o = optionsObject(OWNER, raw);
  checkKnownKeys(OWNER, o, KNOWN);
  return {
    lr: nonNegative(OWNER, 'lr', given(o.lr, 1e-2)),
    lrDecay: nonNegative(OWNER, 'lrDecay', given(o.lrDecay, 0)),
    weightDecay: nonNegative(OWNER, 'weightDecay', given(o.weightDecay, 0)),
    initialAccumulatorValue: nonNegative(OWNER, 'initialAccumulatorValue', given(o.initialAccumulatorValue, 0)),
    eps: nonNegative(OWNER, 'eps', given(o.eps, 1e-10)),
  };
}

export class Adagrad extends Optimizer {
  private readonly o: AdagradHyper;

  constructor(params: Iterable<Parameter>, config?: AdagradConfig) {
    const o = resolve(config);
    super('adagrad', OWNER, params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(): readonly string[] {
    return ['sum'];
  }

  protected override initialSlotValue(): number {
    return this.o.initialAccumulatorValue;
  }

  protected hyperFromState(hyper: Record<string, unknown>): AdagradHyper {
    return resolve(hyper);
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number {
    return this.backend.adagradStep(n, param, grad, slots[0], step, this.o);
  }
}
