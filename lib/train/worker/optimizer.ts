/**
 * The built-in optimizers by their state's `type` tag, so the worker can rebuild the caller's optimizer from
 * `optimizer.sharedState()`. A subclass or an optimizer of the caller's own cannot be rebuilt from plain data: such a
 * fit trains on the caller's thread (plan.ts decides).
 */
import type { Backend } from '../../backend/contract.js';
import { fail } from '../../errors.js';
import { Adagrad } from '../../optim/adagrad.js';
import { Adam, AdamW } from '../../optim/adam.js';
import type { Optimizer, OptimizerState, Parameter } from '../../optim/optimizer.js';
import { RMSprop } from '../../optim/rmsprop.js';
import { SGD } from '../../optim/sgd.js';

type OptimizerClass = new (params: Iterable<Parameter>, config: { lr: number; backend?: Backend }) => Optimizer;

const BUILT_IN: Record<string, OptimizerClass> = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop, adagrad: Adagrad };

/** True when `optimizer` is exactly one of the library's classes (not a subclass, whose update could differ). */
export function isRebuildable(optimizer: Optimizer): boolean {
  const Cls = BUILT_IN[optimizer.type];
  return Cls !== undefined && Object.getPrototypeOf(optimizer) === Cls.prototype;
}

/** A new optimizer over `params` with exactly `state` (hyper-parameters, step counts, and its buffers themselves). */
export function rebuildOptimizer(state: OptimizerState, params: Parameter[], backend: Backend): Optimizer {
  const Cls = BUILT_IN[state.type];
  if (Cls === undefined) fail('ERR_INVALID_ARG', `fit worker: unknown optimizer type ${JSON.stringify(state.type)}`);
  const optimizer = new Cls(params, { lr: 0, backend }); // every hyper-parameter is then set by loadState
  optimizer.loadState(state, { adopt: true }); // the caller's shared buffers, updated in place
  return optimizer;
}
