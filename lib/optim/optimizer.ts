/**
 * The base of every optimizer: walks the parameters, hands each one to its backend kernel in a single call
 * (one crossing into C++ per parameter tensor), and owns the per-parameter state buffers. Those buffers are
 * allocated the first time a parameter is updated and reused ever after, so a training step in steady state
 * allocates nothing here. `state()` / `loadState()` turn all of it into a flat, serializable object.
 *
 * As in PyTorch, a parameter whose grad is null is skipped, and each parameter keeps its own step count
 * (so one that sat out some steps gets the bias corrections of the steps it actually took).
 */
import type { Backend } from '../backend/contract.js';
import { currentBackend } from '../ops/current-backend.js';
import { fail } from '../errors.js';
import { sharedCopy, sharedFloat32, toSharedFloat32 } from '../shared-memory.js';
import { isFloat32Array, nonNegative, nonNegativeInteger } from '../check.js';
import { isPlainObject } from '../plain-data.js';

/** What an optimizer updates: the graph's Tensor has these two fields; anything else with them works too. */
export interface Parameter {
  data: Float32Array;
  grad: Float32Array | null;
}

export type HyperValue = number | boolean;

/**
 * An optimizer's whole state as plain data. Kept flat so it can go into a safetensors file as is:
 * `hyper` and the counts as JSON metadata, each buffer as one tensor named `<parameter index>.<buffer>`
 * (e.g. '0.m', '0.v', '1.m', ...). Buffers exist only for parameters that have been updated at least once.
 */
export interface OptimizerState {
  type: string;
  hyper: Record<string, HyperValue>;
  /** Calls to step() so far. */
  step: number;
  /** Updates each parameter has received (differs from `step` only for parameters whose grad was sometimes null).
   *  Optional on load: when absent, a parameter with buffers (every parameter, for an optimizer without buffers)
   *  is taken to have made `step` updates. */
  paramSteps?: number[];
  buffers: Record<string, Float32Array>;
}

function isObject(p: unknown): p is Parameter {
  return typeof p === 'object' && p !== null;
}

function toParameterList(owner: string, params: Iterable<Parameter>): Parameter[] {
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<Parameter>)[Symbol.iterator] !== 'function') {
    fail(
      'ERR_INVALID_ARG',
      `${owner}: params must be an iterable of parameters ({ data, grad }), got ${params === null ? 'null' : typeof params}`,
    );
  }
  const list = [...params];
  if (list.length === 0) fail('ERR_INVALID_ARG', `${owner}: got an empty parameter list`);
  const seen = new Set<Float32Array>();
  list.forEach((p, i) => {
    if (!isObject(p) || !isFloat32Array(p.data)) fail('ERR_INVALID_ARG', `${owner}: parameter ${i} must have a Float32Array 'data'`);
    if (p.grad !== null && !isFloat32Array(p.grad))
      fail('ERR_INVALID_ARG', `${owner}: parameter ${i}'s grad must be a Float32Array or null`);
    // Updating the same weights twice per step is never what was meant (PyTorch refuses it across groups too).
    if (seen.has(p.data)) fail('ERR_INVALID_ARG', `${owner}: parameter ${i} appears more than once`);
    seen.add(p.data);
  });
  return list;
}

export abstract class Optimizer {
  /** The state's `type` tag: 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax' or 'nadam'. */
  readonly type: string;
  /** The class's display name for messages ('SGD', 'Adam', ...). */
  protected readonly owner: string;
  readonly params: readonly Parameter[];
  readonly backend: Backend;
  /** The hyper-parameters, which are also the options object handed to the kernel (so changing lr costs nothing per step). */
  protected readonly hyper: { lr: number };

  private steps = 0;
  private readonly paramSteps: number[];
  /** Per parameter: its state buffers in the order of `slotNames`, or null before its first update. */
  private slots: (Float32Array[] | null)[];
  private slotNames: readonly string[];

  protected constructor(type: string, owner: string, params: Iterable<Parameter>, hyper: { lr: number }, backend: Backend | undefined) {
    this.type = type;
    this.owner = owner;
    this.params = Object.freeze(toParameterList(owner, params));
    // The same backend as the graph (useBackend/withBackend), so a model and its optimizer never disagree.
    this.backend = backend ?? currentBackend();
    this.hyper = hyper;
    this.paramSteps = new Array<number>(this.params.length).fill(0);
    this.slots = new Array<Float32Array[] | null>(this.params.length).fill(null);
    this.slotNames = [];
  }

  /** Called by subclasses at the end of their constructor, once their own fields exist. */
  protected initSlots(): void {
    this.slotNames = this.slotNamesFor(this.hyper);
  }

  /** Names of the state buffers one parameter needs under these hyper-parameters (e.g. ['m', 'v']). */
  protected abstract slotNamesFor(hyper: { lr: number }): readonly string[];
  /** Checks a saved state's hyper-parameters with the constructor's rules and returns them in `hyper`'s form. */
  protected abstract hyperFromState(hyper: Record<string, unknown>): { lr: number };
  /**
   * One kernel call: updates `param` in place from `grad`, with `slots` in the order of slotNamesFor, and returns how
   * many of its values are not finite afterwards (every built-in step kernel counts them as it goes).
   */
  protected abstract update(n: number, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], step: number): number;
  /** The value a state buffer starts at (0, except Adagrad's initial accumulator). */
  protected initialSlotValue(_name: string): number {
    return 0;
  }

  /** The learning rate: what schedules change between epochs. */
  get lr(): number {
    return this.hyper.lr;
  }

  set lr(value: number) {
    this.hyper.lr = nonNegative(this.owner, 'lr', value);
  }

  /** Calls to step() so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** A copy of the hyper-parameters, as they appear in state(). */
  get hyperParameters(): Record<string, HyperValue> {
    return { ...(this.hyper as unknown as Record<string, HyperValue>) };
  }

  /**
   * How many parameter values were NaN or ±Infinity after the last step() (0 when training is sound): fit reads it to
   * stop at the step that made the weights non-finite, at no cost beyond the step itself.
   */
  nonFiniteAfterStep = 0;

  /** Updates every parameter that has a gradient, one kernel call each. */
  step(): void {
    const { params, slots, paramSteps } = this;
    // Shapes first, so a mismatched grad is refused before any parameter has moved.
    for (let i = 0; i < params.length; i++) {
      const { data, grad } = params[i];
      if (grad !== null && grad.length !== data.length)
        fail('ERR_SHAPE', `${this.owner}: parameter ${i}'s grad has ${grad.length} elements, its data ${data.length}`);
    }
    let nonFinite = 0;
    for (let i = 0; i < params.length; i++) {
      const p = params[i];
      const grad = p.grad;
      if (grad === null) continue;
      const n = p.data.length;
      let s = slots[i];
      if (s === null) {
        s = this.allocateSlots(n);
        slots[i] = s;
      }
      const t = paramSteps[i] + 1;
      nonFinite += this.update(n, p.data, grad, s, t);
      paramSteps[i] = t; // only once the update happened, so a failed call leaves the state as it was
    }
    this.nonFiniteAfterStep = nonFinite;
    this.steps++;
  }

  /** Sets every gradient to zero (PyTorch's zero_grad with set_to_none = False: the buffers are kept). */
  zeroGrad(): void {
    const { params, backend } = this;
    for (let i = 0; i < params.length; i++) {
      const grad = params[i].grad;
      if (grad !== null) backend.fill(grad.length, 0, grad);
    }
  }

  /** A snapshot of the whole state; the buffers are copies, so later steps do not change it. */
  state(): OptimizerState {
    return this.stateWith((buffer) => buffer.slice());
  }

  /**
   * The state with its buffers themselves, not copies, each on shared memory (moved there if it was not): what a
   * training worker adopts and updates in place, so fit copies no optimizer state on the caller's thread.
   * @internal
   */
  sharedState(): OptimizerState {
    for (const s of this.slots)
      if (s !== null)
        s.forEach((buffer, k) => {
          s[k] = toSharedFloat32(buffer);
        });
    return this.stateWith((buffer) => buffer);
  }

  private stateWith(take: (buffer: Float32Array) => Float32Array): OptimizerState {
    const buffers: Record<string, Float32Array> = {};
    this.slots.forEach((s, i) => {
      if (s === null || this.paramSteps[i] === 0) return;
      this.slotNames.forEach((name, k) => {
        buffers[`${i}.${name}`] = take(s[k]);
      });
    });
    return { type: this.type, hyper: this.hyperParameters, step: this.steps, paramSteps: [...this.paramSteps], buffers };
  }

  /**
   * Restores a state from state(): hyper-parameters (lr included), step counts and buffers (copied in, or with
   * `adopt`, taken over as they are: for buffers made for this call, such as a training worker's final state,
   * whose copy would cost page faults on the caller's thread).
   * Everything is checked before anything changes, so a refused state leaves the optimizer as it was.
   */
  loadState(state: OptimizerState, options: { adopt?: boolean } = {}): void {
    const fn = `${this.owner}.loadState`;
    if (!isPlainObject(state)) fail('ERR_INVALID_ARG', `${fn}: state must be an object`);
    if (state.type !== this.type) {
      fail('ERR_INVALID_ARG', `${fn}: the state is for ${JSON.stringify(state.type)}, this optimizer is '${this.type}'`);
    }
    const hyper = this.checkedHyper(fn, state.hyper);
    const step = state.step;
    nonNegativeInteger(fn, 'step', step);
    if (!isPlainObject(state.buffers)) fail('ERR_INVALID_ARG', `${fn}: buffers must be an object of Float32Arrays`);
    const buffers = state.buffers as Record<string, unknown>;
    const names = this.slotNamesFor(hyper);
    const paramSteps = this.checkedParamSteps(fn, state.paramSteps, step, names, buffers);

    const slots: (Float32Array[] | null)[] = paramSteps.map((t, i) => {
      if (t === 0) return null;
      const n = this.params[i].data.length;
      return names.map((name) => {
        const key = `${i}.${name}`;
        const b = buffers[key];
        if (b === undefined) fail('ERR_INVALID_ARG', `${fn}: buffer '${key}' is missing`);
        if (!isFloat32Array(b)) fail('ERR_INVALID_ARG', `${fn}: buffer '${key}' must be a Float32Array`);
        if (b.length !== n) fail('ERR_SHAPE', `${fn}: buffer '${key}' has ${b.length} elements, parameter ${i} has ${n}`);
        return options.adopt ? b : sharedCopy(b);
      });
    });
    for (const key of Object.keys(buffers)) {
      const dot = key.indexOf('.');
      const i = Number(key.slice(0, dot));
      if (dot > 0 && Number.isInteger(i) && i >= paramSteps.length) {
        fail('ERR_SHAPE', `${fn}: buffer '${key}' is for parameter ${i}, this optimizer has ${paramSteps.length} parameters`);
      }
      const known = dot > 0 && Number.isInteger(i) && i >= 0 && paramSteps[i] > 0 && names.includes(key.slice(dot + 1));
      if (!known)
        fail(
          'ERR_INVALID_ARG',
          `${fn}: unexpected buffer '${key}' (this ${this.owner} with these settings keeps ` +
            `${names.length ? names.map((s) => `'<i>.${s}'`).join(', ') : 'no buffers'} ` +
            `for updated parameters 0..${paramSteps.length - 1})`,
        );
    }

    Object.assign(this.hyper, hyper);
    this.slotNames = names;
    this.slots = slots;
    this.paramSteps.splice(0, this.paramSteps.length, ...paramSteps);
    this.steps = step;
  }

  private checkedHyper(fn: string, raw: unknown): { lr: number } {
    if (!isPlainObject(raw)) fail('ERR_INVALID_ARG', `${fn}: hyper must be an object`);
    const expected = Object.keys(this.hyper);
    for (const key of expected) if (!(key in raw)) fail('ERR_INVALID_ARG', `${fn}: hyper.${key} is missing`);
    for (const key of Object.keys(raw))
      if (!expected.includes(key)) fail('ERR_INVALID_ARG', `${fn}: unknown hyper-parameter ${JSON.stringify(key)}`);
    return this.hyperFromState(raw);
  }

  private checkedParamSteps(fn: string, raw: unknown, step: number, names: readonly string[], buffers: Record<string, unknown>): number[] {
    const count = this.params.length;
    if (raw === undefined) {
      // An older or trimmed state: infer which parameters were updated from the buffers they have.
      return Array.from({ length: count }, (_, i) => (names.length === 0 || names.some((name) => `${i}.${name}` in buffers) ? step : 0));
    }
    if (!Array.isArray(raw)) fail('ERR_INVALID_ARG', `${fn}: paramSteps must be an array of step counts`);
    if (raw.length !== count) fail('ERR_SHAPE', `${fn}: the state has ${raw.length} parameters, this optimizer ${count}`);
    raw.forEach((t, i) => {
      if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > step) {
        fail('ERR_INVALID_ARG', `${fn}: paramSteps[${i}] must be an integer in [0, step = ${step}], got ${String(t)}`);
      }
    });
    return [...(raw as number[])];
  }

  private allocateSlots(n: number): Float32Array[] {
    return this.slotNames.map((name) => {
      const a = sharedFloat32(n); // a training worker updates it in place (lib/shared-memory.ts)
      const v = this.initialSlotValue(name);
      if (v !== 0) a.fill(v);
      return a;
    });
  }
}
