/**
 * Adamax and NAdam with PyTorch 1.13's rules: Adam's relatives from the same paper and from Dozat (2016).
 * Adamax divides by an exponentially weighted infinity norm instead of the second moment's square root; NAdam
 * is Adam with Nesterov momentum and a momentum schedule (momentumDecay). Weight decay is L2 added to the gradient.
 */
import type { AdamaxOptions, Backend, NadamOptions } from '../backend/contract.js';
import { fail } from '../errors.js';
import { checkKnownKeys, given, nonNegative, optionsObject, unitInterval } from '../check.js';
import { Optimizer, type Parameter } from './optimizer.js';

export interface AdamaxConfig {
  lr?: number; // 2e-3
  betas?: readonly [number, number]; // [0.9, 0.999]
  eps?: number; // 1e-8
  weightDecay?: number; // 0
  backend?: Backend;
}

export interface NAdamConfig extends AdamaxConfig {
  momentumDecay?: number; // 4e-3
}

function betasOf(owner: string, raw: unknown): [number, number] {
  const betas = given(raw, [0.9, 0.999]);
  if (!Array.isArray(betas) || betas.length !== 2) fail('ERR_INVALID_ARG', `${owner}: betas must be an array of two numbers`);
  return [unitInterval(owner, 'betas[0]', betas[0]), unitInterval(owner, 'betas[1]', betas[1])];
}

function resolveAdamax(raw: unknown): AdamaxOptions {
  const owner = 'Adamax';
  const o = optionsObject(owner, raw);
  checkKnownKeys(owner, o, ['lr', 'betas', 'eps', 'weightDecay', 'backend']);
  const [beta1, beta2] = betasOf(owner, o.betas);
  return {
    lr: nonNegative(owner, 'lr', given(o.lr, 2e-3)),
    beta1,
    beta2,
    eps: nonNegative(owner, 'eps', given(o.eps, 1e-8)),
    weightDecay: nonNegative(owner, 'weightDecay', given(o.weightDecay, 0)),
  };
}

function resolveNadam(raw: unknown): NadamOptions {
  const owner = 'NAdam';
  const o = optionsObject(owner, raw);
  checkKnownKeys(owner, o, ['lr', 'betas', 'eps', 'weightDecay', 'momentumDecay', 'backend']);
  const [beta1, beta2] = betasOf(owner, o.betas);
  return {
    lr: nonNegative(owner, 'lr', given(o.lr, 2e-3)),
    beta1,
    beta2,
    eps: nonNegative(owner, 'eps', given(o.eps, 1e-8)),
    weightDecay: nonNegative(owner, 'weightDecay', given(o.weightDecay, 0)),
    momentumDecay: nonNegative(owner, 'momentumDecay', given(o.momentumDecay, 4e-3)),
  };
}

/** The state is flat (beta1, beta2); the constructors take PyTorch's betas pair. */
function withBetas(h: Record<string, unknown>): Record<string, unknown> {
  const { beta1, beta2, ...rest } = h;
  return { ...rest, betas: [beta1, beta2] };
}

export class Adamax extends Optimizer {
  private readonly o: AdamaxOptions;

  constructor(params: Iterable<Parameter>, config?: AdamaxConfig) {
    const o = resolveAdamax(config);
    super('adamax', 'Adamax', params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(): readonly string[] {
    return ['expAvg', 'expInf'];
  }

  protected hyperFromState(hyper: Record<string, unknown>): AdamaxOptions {
    return resolveAdamax(withBetas(hyper));
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number {
    return this.backend.adamaxStep(n, param, grad, slots[0], slots[1], step, this.o);
  }
}

export class NAdam extends Optimizer {
  private readonly o: NadamOptions;

  constructor(params: Iterable<Parameter>, config?: NAdamConfig) {
    const o = resolveNadam(config);
    super('nadam', 'NAdam', params, o, config?.backend);
    this.o = o;
    this.initSlots();
  }

  protected slotNamesFor(): readonly string[] {
    return ['m', 'v'];
  }

  protected hyperFromState(hyper: Record<string, unknown>): NadamOptions {
    return resolveNadam(withBetas(hyper));
  }

  protected update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number {
    return this.backend.nadamStep(n, param, grad, slots[0], slots[1], step, this.o);
  }
}
