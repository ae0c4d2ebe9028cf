/**
 * `checked(raw)` puts the argument checks of the contract table (contract.ts) in front of a raw backend. Both
 * backends are handed out only in this form, so a bad call fails the same way, before any work, on either one.
 * The checks are read off each kernel's entry, in four passes: the scalars one by one (sizes, numbers, flags,
 * options), the dimensions the kernel derives, every buffer's type and length, the rules between arguments, and
 * last that no output overlaps another array argument (except exactly, where the table allows it).
 */
import { show } from '../check.js';
import { fail } from '../errors.js';
import { type Backend, KERNEL_NAMES, KERNELS } from './contract.js';
import { ACTIVATION_KINDS, type Arg, type ArrayArg, type KernelSpec, type OptionFields, type Values } from './kernel-spec.js';
import { checkArray, checkBool, checkNoOverlap, checkNumber, checkRange, checkSize } from './validate.js';

const ARRAY_TYPE = { f32: 'Float32Array', i32: 'Int32Array', u8: 'Uint8Array' } as const;

/** A kernel's entry prepared for checking: the argument values by name are kept in one reused object. */
interface Plan {
  readonly fn: string;
  readonly spec: KernelSpec;
  readonly values: Values;
  /** For each pair of array arguments (i, j), true when i is an output that may be exactly j. */
  readonly mayBe: readonly (readonly boolean[])[];
}

function plan(fn: string, spec: KernelSpec): Plan {
  const values: Values = {};
  for (const a of spec.args) values[a.name] = null;
  // Derived dimensions are written by the kernel's derive rule; declaring them keeps the object's shape fixed.
  values.OH = 0;
  values.OW = 0;
  const mayBe = spec.args.map((a) => spec.args.map((b) => a.kind === 'array' && a.same.includes(b.name)));
  return { fn, spec, values, mayBe };
}

function checkOptions(fn: string, o: unknown, fields: OptionFields): void {
  if (typeof o !== 'object' || o === null) fail('ERR_INVALID_ARG', `${fn}: options must be an object, got ${show(o)}`);
  for (let i = 0; i < fields.length; i++) {
    const [key, type] = fields[i];
    const x = (o as Record<string, unknown>)[key];
    if (type === 'boolean') checkBool(fn, `options.${key}`, x);
    else checkNumber(fn, `options.${key}`, x);
  }
}

function checkScalar(fn: string, a: Exclude<Arg, ArrayArg>, x: unknown): void {
  switch (a.kind) {
    case 'size':
      checkSize(fn, a.name, x);
      if ((x as number) < a.min) fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be >= ${a.min}, got ${x as number}`);
      return;
    case 'integer':
      if (typeof x !== 'number' || !Number.isInteger(x) || x < a.min || x > a.max) {
        fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be an integer ${a.rule}, got ${show(x)}`);
      }
      return;
    case 'number':
      if (a.anyValue) {
        if (typeof x !== 'number') fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be a number, got ${typeof x}`);
      } else if (a.range !== null) {
        checkRange(fn, a.name, x, a.range[0], a.range[1], a.range[2]);
      } else {
        checkNumber(fn, a.name, x);
      }
      return;
    case 'boolean':
      checkBool(fn, a.name, x);
      return;
    case 'activation':
      if (!ACTIVATION_KINDS.includes(x as never)) {
        fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be one of ${ACTIVATION_KINDS.join(', ')}, got ${JSON.stringify(x)}`);
      }
      return;
    case 'options':
      checkOptions(fn, x, a.fields);
  }
}

/** The length an array argument must have: the product of its dimensions, refused when it is not exact. */
function requiredLength(fn: string, a: ArrayArg, v: Values): number {
  let p = 1;
  for (let d = 0; d < a.dims.length; d++) p *= v[a.dims[d]];
  if (p > Number.MAX_SAFE_INTEGER) fail('ERR_OVERFLOW', `${fn}: ${a.label} = ${a.dims.map((d) => v[d]).join('×')} overflows`);
  return p;
}

function isOutput(a: ArrayArg, v: Values): boolean {
  return a.output === true || (typeof a.output === 'string' && v[a.output] === true);
}

/** Throws the library's error for the first argument of `args` that breaks the kernel's entry. Allocates nothing. */
function checkCall(p: Plan, args: ArrayLike<unknown>): void {
  const { fn, spec, values: v } = p;
  const list = spec.args;
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a.kind === 'array') continue;
    checkScalar(fn, a, args[i]);
    v[a.name] = args[i];
  }
  if (spec.derive !== null) spec.derive(fn, v);
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (a.kind !== 'array') continue;
    const x = args[i];
    if (x === null && a.nullable) {
      v[a.name] = null;
      continue;
    }
    v[a.name] = checkArray(fn, a.name, x, ARRAY_TYPE[a.type], requiredLength(fn, a, v));
  }
  if (spec.rules !== null) spec.rules(fn, v);
  for (let i = 0; i < list.length; i++) {
    const out = list[i];
    if (out.kind !== 'array' || !isOutput(out, v) || args[i] === null) continue;
    for (let j = 0; j < list.length; j++) {
      const other = list[j];
      // A pair of outputs is checked once, from the first of the two.
      if (j === i || other.kind !== 'array' || args[j] === null || (j < i && isOutput(other, v))) continue;
      checkNoOverlap(fn, out.name, args[i] as ArrayBufferView, other.name, args[j] as ArrayBufferView, p.mayBe[i][j]);
    }
  }
}

export function checked(raw: Backend): Backend {
  const backend: Record<string, unknown> = {
    name: raw.name,
    setNumThreads(n: number): void {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024) {
        fail('ERR_INVALID_ARG', `setNumThreads: n must be an integer in [1, 1024], got ${String(n)}`);
      }
      raw.setNumThreads(n);
    },
    getNumThreads: () => raw.getNumThreads(),
  };
  for (const name of KERNEL_NAMES) {
    const p = plan(name, KERNELS[name]);
    const run = raw[name] as (...args: unknown[]) => unknown;
    backend[name] = (...args: unknown[]) => {
      checkCall(p, args);
      return run(...args);
    };
  }
  return backend as unknown as Backend;
}
