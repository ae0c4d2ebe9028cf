/**
 * What both threads see: the model's state and the training data, on SharedArrayBuffers.
 *
 * The model's state: every tensor of `namedState()` (parameters and registered buffers) on shared memory, on the
 * caller's model (its Tensors keep their identity, only `.data` is replaced when it was not shared yet, so the
 * optimizer, the callbacks and any reference to `model.layers[0].weight` stay valid) and on the worker's rebuilt
 * copy. The worker's updates are then visible on the caller's thread as they happen (ctx.model.getWeights() in a
 * callback, predict), and what a callback writes (EarlyStopping restoring the best weights) is what the worker
 * trains on next, with no copies. This works because layers and optimizers read `tensor.data` when they run and
 * never keep the array itself.
 *
 * Training data (floats, or a ByteTensor's bytes with their scale): copied once into SharedArrayBuffers (a buffer
 * that already is shared is used as is, with no copy: a server that trains often on the same data should keep it in
 * one), so the worker reads the same memory and the caller's arrays stay the caller's (transferring them would
 * detach them). Targets keep their kind (tensor, typed array, plain array), so the worker's loop sees what the caller
 * passed and checks it identically.
 */
import { fail } from '../../errors.js';
import type { Layer } from '../../layers/layer.js';
import { toSharedFloat32 } from '../../shared-memory.js';
import { Tensor } from '../../tensor.js';
import { ByteTensor } from '../../byte-tensor.js';
import type { Inputs, Targets } from '../loop.js';

/**
 * Why the model's state cannot be shared with a worker, or null when it can: every array getWeights() lists must be
 * a registered state tensor's (Layer.registerParameter/registerBuffer), the only arrays that can be replaced in place.
 */
export function unshareableState(model: Layer): string | null {
  const state = model.namedState();
  const weights = model.namedWeights();
  const stray = weights.find(([name, data], i) => state[i]?.[0] !== name || state[i][1].data !== data);
  if (stray || state.length !== weights.length) {
    return `${stray?.[0] ?? 'a buffer'} of ${model.name} is not registered state (registerBuffer), so it cannot be shared with a worker`;
  }
  return null;
}

/** On the caller's thread: moves each state array not already shared onto shared memory, in place; returns them all. */
export function shareState(model: Layer): Float32Array[] {
  // Layers allocate their state on shared memory (layer.ts's stateTensor), so this copies only what a caller
  // put there itself (a Tensor's .data replaced with an ordinary array).
  return model.namedState().map(([, t]) => (t.data = toSharedFloat32(t.data)));
}

/** In the worker: the rebuilt model takes the caller's shared arrays in place of its freshly initialized ones. */
export function adoptState(model: Layer, arrays: readonly Float32Array[]): void {
  const state = model.namedState();
  if (state.length !== arrays.length)
    fail('ERR_SHAPE', `fit worker: the rebuilt model has ${state.length} weight arrays, the caller's ${arrays.length}`);
  state.forEach(([name, t], i) => {
    if (t.data.length !== arrays[i].length)
      fail('ERR_SHAPE', `fit worker: ${name} has ${arrays[i].length} values, the rebuilt model expects ${t.data.length}`);
    t.data = arrays[i];
  });
}

/** A Tensor's floats, or a ByteTensor's bytes and scale (`kind` says which the worker rebuilds). */
export type SharedInputs =
  | { kind: 'tensor'; data: Float32Array; shape: number[] }
  | { kind: 'bytes'; data: Uint8Array; shape: number[]; scale: number };

type SharedTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export type SharedTargets =
  | { kind: 'tensor'; data: Float32Array; shape: number[] }
  | { kind: 'typed'; array: SharedTypedArray }
  /** A plain array is copied by postMessage (it is not on a buffer that could be shared). */
  | { kind: 'array'; values: unknown[] };

const SHAREABLE = [Float32Array, Float64Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array];

/** Elements copied between two yields to the event loop: ~1 ms of memcpy, so a large dataset never blocks the caller. */
const COPY_CHUNK = 1 << 17;

/** The same values on shared memory (a copy unless they already are), copied a chunk at a time between yields. */
async function shared<T extends SharedTypedArray>(a: T): Promise<T> {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Ctor(new SharedArrayBuffer(a.byteLength));
  for (let start = 0; start < a.length; start += COPY_CHUNK) {
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    copy.set(a.subarray(start, start + COPY_CHUNK) as never, start);
  }
  return copy;
}

function shareableTyped(v: unknown): v is SharedTypedArray {
  return SHAREABLE.some((Ctor) => v instanceof Ctor);
}

/** True when `x` can be sent as shared memory; anything else stays on the caller's thread (whose checks explain it). */
export function canShareInputs(x: unknown): x is Inputs {
  return (x instanceof Tensor && x.data instanceof Float32Array) || x instanceof ByteTensor;
}

export function canShareTargets(y: unknown): boolean {
  return (
    (y instanceof Tensor && y.data instanceof Float32Array) ||
    shareableTyped(y) ||
    (Array.isArray(y) && y.every((v) => typeof v === 'number'))
  );
}

export async function shareInputs(x: Inputs): Promise<SharedInputs> {
  if (x instanceof ByteTensor) return { kind: 'bytes', data: await shared(x.data), shape: [...x.shape], scale: x.scale };
  return { kind: 'tensor', data: await shared(x.data), shape: [...x.shape] };
}

export async function shareTargets(y: Targets): Promise<SharedTargets> {
  if (y instanceof Tensor) return { kind: 'tensor', data: await shared(y.data), shape: [...y.shape] };
  if (shareableTyped(y)) return { kind: 'typed', array: await shared(y) };
  return { kind: 'array', values: Array.from(y as ArrayLike<number>) };
}

/** In the worker: the caller's inputs and targets again, over the shared memory. */
export function unshareInputs(x: SharedInputs): Inputs {
  return x.kind === 'bytes' ? new ByteTensor(x.data, x.shape, x.scale) : new Tensor(x.data, x.shape);
}

export function unshareTargets(y: SharedTargets): Targets {
  if (y.kind === 'tensor') return new Tensor(y.data, y.shape);
  if (y.kind === 'typed') return y.array as Targets;
  return y.values as number[];
}
