/**
 * The checks checked.ts applies to each kernel argument, by kind. They run before any work, on both backends,
 * so a bad call gives the same NeuroblasError (with a code naming the argument, the expected and the actual
 * value) whether the kernel is TypeScript or C++. The addon repeats the memory-safety checks in C++ as a
 * second line of defence (native/check.h).
 */
import { show } from '../check.js';
import { fail } from '../errors.js';

/** The largest dimension OpenBLAS's 32-bit integer interface accepts. */
export const MAX_DIM = 2 ** 31 - 1;

/** A non-negative integer size that fits the BLAS interface. */
export function checkSize(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    fail('ERR_INVALID_ARG', `${fn}: ${name} must be a non-negative integer, got ${show(v)}`);
  }
  if (v > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: ${name} must be at most ${MAX_DIM}, got ${v}`);
  return v;
}

export function checkNumber(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail('ERR_INVALID_ARG', `${fn}: ${name} must be a finite number, got ${show(v)}`);
  }
  return v;
}

/** A finite number in [lo, hi] (or (lo, hi] when loOpen). */
export function checkRange(fn: string, name: string, v: unknown, lo: number, hi: number, loOpen = false): number {
  checkNumber(fn, name, v);
  const n = v as number;
  if (n > hi || n < lo || (loOpen && n === lo)) {
    fail('ERR_INVALID_ARG', `${fn}: ${name} must be in ${loOpen ? '(' : '['}${lo}, ${hi}], got ${n}`);
  }
  return n;
}

export function checkBool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail('ERR_INVALID_ARG', `${fn}: ${name} must be a boolean, got ${show(v)}`);
  return v;
}

/** A zero-length view is either empty or on a buffer that was transferred; only the latter refuses a new view. */
function isDetached(a: ArrayBufferView): boolean {
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

/** A typed-array type as the checks need it: its constructor (the fast test) and its tag (the test across realms). */
export interface ArrayType {
  readonly name: string;
  readonly ctor: abstract new (...args: never[]) => ArrayBufferView;
  readonly tag: string;
}

export const arrayType = (ctor: ArrayType['ctor'] & { name: string }): ArrayType => ({
  name: ctor.name,
  ctor,
  tag: `[object ${ctor.name}]`,
});

/** A typed array of the given type holding at least `need` elements, on a live buffer. */
export function checkArray(fn: string, name: string, a: unknown, type: ArrayType, need: number): void {
  // instanceof first (fast); the tag accepts arrays from another realm (vm, workers) too.
  if (!(a instanceof type.ctor) && !(ArrayBuffer.isView(a) && Object.prototype.toString.call(a) === type.tag)) {
    fail('ERR_INVALID_ARG', `${fn}: ${name} must be a ${type.name}, got ${show(a)}`);
  }
  const view = a as ArrayBufferView & { length: number };
  if (view.byteLength === 0 && isDetached(view)) fail('ERR_DETACHED', `${fn}: ${name} is backed by a detached ArrayBuffer`);
  if (view.length < need) {
    fail('ERR_SHAPE', `${fn}: ${name} must hold at least ${need} elements for these dimensions, got ${view.length}`);
  }
}

/** Refuses an output that overlaps an input, except (when allowSame) the exact same elements. */
export function checkNoOverlap(
  fn: string,
  outName: string,
  out: ArrayBufferView,
  inName: string,
  input: ArrayBufferView,
  allowSame = false,
): void {
  if (out.buffer !== input.buffer) return;
  const a0 = out.byteOffset,
    a1 = a0 + out.byteLength;
  const b0 = input.byteOffset,
    b1 = b0 + input.byteLength;
  if (a0 >= b1 || b0 >= a1) return;
  if (allowSame && a0 === b0 && a1 === b1) return;
  fail('ERR_ALIAS', `${fn}: ${outName} must not overlap ${inName}${allowSame ? ' (only the very same array is allowed)' : ''}`);
}
