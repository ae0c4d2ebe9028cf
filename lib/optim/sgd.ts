/**
 * Stochastic gradient descent with PyTorch 1.13's rule: optional L2 weight decay, momentum with dampening,
 * and Nesterov momentum. `lr` has no default, as in PyTorch: there is no learning rate that suits every model.
 */
import type { Backend, SgdOptions } from '../backend/contract.js';
import { fail } from '../errors.js';
import { bool, checkKnownKeys, finite, given, nonNegative, optionsObject } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface SGDConfig {
  lr: number;
  momentum?: number; // 0
  dampening?: number; // 0
  nesterov?: boolean; // false
  weightDecay?: number; // 0 (L2: added to the gradient)
  backend?: Backend;
}

const OWNER = 'SGD';
const KNOWN = ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'backend'] as const;

function resolve(raw: unknown): SgdOptions {
  const o = optionsObject(OWNER, raw);
  checkKnownKeys(OWNER, o, KNOWN);
  if (o.lr === undefined) fail('ERR_INVALID_ARG', `${OWNER}: lr is required`);
  const lr = nonNegative(OWNER, 'lr', o.lr);
  const momentum = nonNegative(OWNER, 'momentum', given(o.momentum, 0));
  const dampening = finite(OWNER, 'dampening', given(o.dampening, 0));
  const nesterov = bool(OWNER, 'nesterov', given(o.nesterov, false));
  const weightDecay = nonNegative(OWNER, 'weightDecay', given(o.weightDecay, 0));
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    fail(
      'ERR_INVALID_ARG',
      `${OWNER}: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${momentum} and dampening ${dampening}`,
    );
  }
  return { lr, momentum, dampening, nesterov, weightDecay };
}

export class SGD extends Optimizer {
  private readonly o: SgdOptions;

  constructor(params: Iterable<Parameter>, config: SGDConfig) {
    const o = resolve(config);
    super('sgd', OWNER, params, o, config.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(hyper: SgdOptions): readonly string[] {
    // Plain SGD keeps nothing between steps.
    return hyper.momentum !== 0 ? ['momentum'] : [];
  }

  protected hyperFromState(hyper: Record<string, unknown>): SgdOptions {
    return resolve(hyper);
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number {
    return this.backend.sgdStep(n, param, grad, this.o.momentum !== 0 ? slots[0] : null, step, this.o);
  }
}
