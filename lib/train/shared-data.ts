/**
 * Training data for the worker: copied once into SharedArrayBuffers (a buffer that already is shared is used as
 * is, with no copy: a server that trains often on the same data should keep it in one), so the worker reads the
 * same memory and the caller's arrays stay the caller's (transferring them would detach them). Targets keep their kind (tensor, typed array, plain array), so the worker's fitSync
 * sees what the caller passed and checks it identically.
 */
import { Tensor } from '../tensor.js';
import type { Inputs, Targets } from './fit.js';

export interface SharedInputs {
  data: Float32Array;
  shape: number[];
}

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
export function canShareInputs(x: unknown): x is Tensor {
  return x instanceof Tensor && x.data instanceof Float32Array;
}

export function canShareTargets(y: unknown): boolean {
  return canShareInputs(y) || shareableTyped(y) || (Array.isArray(y) && y.every((v) => typeof v === 'number'));
}

export async function shareInputs(x: Inputs): Promise<SharedInputs> {
  return { data: await shared(x.data), shape: [...x.shape] };
}

export async function shareTargets(y: Targets): Promise<SharedTargets> {
  if (y instanceof Tensor) return { kind: 'tensor', data: await shared(y.data), shape: [...y.shape] };
  if (shareableTyped(y)) return { kind: 'typed', array: await shared(y) };
  return { kind: 'array', values: Array.from(y as ArrayLike<number>) };
}

/** In the worker: the caller's inputs and targets again, over the shared memory. */
export function unshareInputs(x: SharedInputs): Tensor {
  return new Tensor(x.data, x.shape);
}

export function unshareTargets(y: SharedTargets): Targets {
  if (y.kind === 'tensor') return new Tensor(y.data, y.shape);
  if (y.kind === 'typed') return y.array as Targets;
  return y.values as number[];
}
