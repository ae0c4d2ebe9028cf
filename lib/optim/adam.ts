/**
 * Adam and AdamW with PyTorch 1.13's rules. They differ only in weight decay: Adam adds it to the gradient
 * (L2), AdamW shrinks the weights directly (decoupled, Loshchilov & Hutter) and defaults it to 1e-2.
 * `amsgrad` keeps the running maximum of the second moment (one more buffer per parameter).
 */
import type { AdamOptions, Backend } from '../backend/contract.js';
import { fail } from '../errors.js';
import { bool, checkKnownKeys, given, nonNegative, optionsObject, unitInterval } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface AdamConfig {
  lr?: number; // 1e-3
  betas?: readonly [number, number]; // [0.9, 0.999]
  eps?: number; // 1e-8
  weightDecay?: number; // 0 for Adam, 1e-2 for AdamW
  amsgrad?: boolean; // false
  backend?: Backend;
}

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'backend'] as const;

function resolve(owner: string, raw: unknown, decoupled: boolean): AdamOptions {
  const o = optionsObject(owner, raw);
  checkKnownKeys(owner, o, KNOWN);
  const lr = nonNegative(owner, 'lr', given(o.lr, 1e-3));
  const betas = given(o.betas, [0.9, 0.999]);
  if (!Array.isArray(betas) || betas.length !== 2) fail('ERR_INVALID_ARG', `${owner}: betas must be an array of two numbers`);
  const beta1 = unitInterval(owner, 'betas[0]', betas[0]);
  const beta2 = unitInterval(owner, 'betas[1]', betas[1]);
  const eps = nonNegative(owner, 'eps', given(o.eps, 1e-8));
  const weightDecay = nonNegative(owner, 'weightDecay', given(o.weightDecay, decoupled ? 1e-2 : 0));
  const amsgrad = bool(owner, 'amsgrad', given(o.amsgrad, false));
  return { lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad };
}

/** What Adam and AdamW share: everything but the name and where weight decay goes. */
abstract class AdamFamily extends Optimizer {
  private readonly o: AdamOptions;

  protected constructor(type: string, owner: string, decoupled: boolean, params: Iterable<Parameter>, config: AdamConfig | undefined) {
    const o = resolve(owner, config, decoupled);
    super(type, owner, params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(hyper: AdamOptions): readonly string[] {
    return hyper.amsgrad ? ['m', 'v', 'vMax'] : ['m', 'v'];
  }

  protected hyperFromState(h: Record<string, unknown>): AdamOptions {
    // The state is flat (beta1, beta2); the constructor takes PyTorch's betas pair.
    if (h.decoupled !== this.o.decoupled)
      fail('ERR_INVALID_ARG', `${this.owner}.loadState: hyper.decoupled must be ${this.o.decoupled}, got ${String(h.decoupled)}`);
    const { beta1, beta2, decoupled: _decoupled, ...rest } = h;
    return resolve(this.owner, { ...rest, betas: [beta1, beta2] }, this.o.decoupled);
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number {
    return this.backend.adamStep(n, param, grad, slots[0], slots[1], this.o.amsgrad ? slots[2] : null, step, this.o);
  }
}

/** Adam; weight decay, when given, is L2 added to the gradient. */
export class Adam extends AdamFamily {
  constructor(params: Iterable<Parameter>, config?: AdamConfig) {
    super('adam', 'Adam', false, params, config);
  }
}

/** Adam with decoupled weight decay: the weights shrink by lr·weightDecay each step (1e-2 unless given). */
export class AdamW extends AdamFamily {
  constructor(params: Iterable<Parameter>, config?: AdamConfig) {
    super('adamw', 'AdamW', true, params, config);
  }
}
