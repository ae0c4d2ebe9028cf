/**
 * Adadelta with PyTorch 1.13's rule: per-element step sizes from running averages of the squared gradients and
 * of the squared updates (Zeiler 2012); `lr` scales the update (1 by default, as in PyTorch).
 */
import type { AdadeltaOptions, Backend } from '../backend/contract.js';
import { checkKnownKeys, given, nonNegative, optionsObject, unitInterval } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface AdadeltaConfig {
  lr?: number; // 1
  rho?: number; // 0.9: the running averages' decay
  eps?: number; // 1e-6
  weightDecay?: number; // 0
  backend?: Backend;
}

const OWNER = 'Adadelta';
const KNOWN = ['lr', 'rho', 'eps', 'weightDecay', 'backend'] as const;

function resolve(raw: unknown): AdadeltaOptions {
  const o = optionsObject(OWNER, raw);
  checkKnownKeys(OWNER, o, KNOWN);
  return {
    lr: nonNegative(OWNER, 'lr', given(o.lr, 1)),
    rho: unitInterval(OWNER, 'rho', given(o.rho, 0.9)),
    eps: nonNegative(OWNER, 'eps', given(o.eps, 1e-6)),
    weightDecay: nonNegative(OWNER, 'weightDecay', given(o.weightDecay, 0)),
  };
}

export class Adadelta extends Optimizer {
  private readonly o: AdadeltaOptions;

  constructor(params: Iterable<Parameter>, config?: AdadeltaConfig) {
    const o = resolve(config);
    super('adadelta', OWNER, params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(): readonly string[] {
    return ['squareAvg', 'accDelta'];
  }

  protected hyperFromState(hyper: Record<string, unknown>): AdadeltaOptions {
    return resolve(hyper);
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[]): number {
    return this.backend.adadeltaStep(n, param, grad, slots[0], slots[1], this.o);
  }
}
