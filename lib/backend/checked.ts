/**
 * `checked(raw)` puts the argument checks of the contract table (contract.ts) in front of a raw backend. Both
 * backends are handed out only in this form, so a bad call fails the same way, before any work, on either one.
 * The checks are read off each kernel's entry, in this order: the scalars one by one (sizes, numbers, flags,
 * options), the dimensions the kernel derives, every buffer's type and length, the rules between arguments, and
 * last that no output overlaps another array argument (except exactly, where the table allows it).
 */
import { show } from '../check.js';
import { fail } from '../errors.js';
import { type Backend, KERNEL_NAMES, KERNELS } from './contract.js';
import {
  ACTIVATION_KINDS,
  type ActivationArg,
  type ArrayArg,
  type BooleanArg,
  type IntegerArg,
  type KernelSpec,
  type NumberArg,
  type OptionFields,
  type OptionsArg,
  type SizeArg,
  type Values,
} from './kernel-spec.js';
import { arrayType, checkArray, checkBool, checkNoOverlap, checkNumber, checkRange, checkSize } from './validate.js';

const ARRAY_TYPE = { f32: arrayType(Float32Array), i32: arrayType(Int32Array), u8: arrayType(Uint8Array) } as const;

function checkOptions(fn: string, o: unknown, fields: OptionFields): void {
  if (typeof o !== 'object' || o === null) fail('ERR_INVALID_ARG', `${fn}: options must be an object, got ${show(o)}`);
  for (let i = 0; i < fields.length; i++) {
    const [key, type] = fields[i];
    const x = (o as Record<string, unknown>)[key];
    if (type === 'boolean') checkBool(fn, `options.${key}`, x);
    else checkNumber(fn, `options.${key}`, x);
  }
}

/** The checks the generated code calls, one per argument kind (`$` in checkerSource). */
const helpers = {
  size(fn: string, a: SizeArg, x: unknown): void {
    checkSize(fn, a.name, x);
    if ((x as number) < a.min) fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be >= ${a.min}, got ${x as number}`);
  },
  integer(fn: string, a: IntegerArg, x: unknown): void {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < a.min || x > a.max) {
      fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be an integer ${a.rule}, got ${show(x)}`);
    }
  },
  number(fn: string, a: NumberArg, x: unknown): void {
    if (a.anyValue) {
      if (typeof x !== 'number') fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be a number, got ${typeof x}`);
    } else if (a.range !== null) {
      checkRange(fn, a.name, x, a.range[0], a.range[1], a.range[2]);
    } else {
      checkNumber(fn, a.name, x);
    }
  },
  boolean(fn: string, a: BooleanArg, x: unknown): void {
    checkBool(fn, a.name, x);
  },
  activation(fn: string, a: ActivationArg, x: unknown): void {
    if (!ACTIVATION_KINDS.includes(x as never)) {
      fail('ERR_INVALID_ARG', `${fn}: ${a.name} must be one of ${ACTIVATION_KINDS.join(', ')}, got ${JSON.stringify(x)}`);
    }
  },
  options(fn: string, a: OptionsArg, x: unknown): void {
    checkOptions(fn, x, a.fields);
  },
  /** A buffer length that is not an exact integer: the product of the dimensions, shown. */
  overflow(fn: string, a: ArrayArg, dims: number[]): never {
    fail('ERR_OVERFLOW', `${fn}: ${a.label} = ${dims.join('×')} overflows`);
  },
  array(fn: string, a: ArrayArg, x: unknown, need: number): void {
    checkArray(fn, a.name, x, ARRAY_TYPE[a.type], need);
  },
  noOverlap: checkNoOverlap,
};

/**
 * The source of one kernel's checked function: a straight line of checks read off its entry, then the raw call.
 * Generated once per kernel, when a backend is wrapped, so each call runs only the checks it needs with no
 * loop over the table and no allocation (interpreting the table on every call cost about 1 µs per call, as
 * much as a small dense layer's whole forward). `$` holds the checks, `$spec` the entry, `$v` the arguments by
 * name for the entry's derive and rules functions, `$raw` the backend's function.
 */
export function checkerSource(name: string, spec: KernelSpec, addonAppliesRules = false): string {
  const fn = JSON.stringify(name);
  const lines: string[] = [];
  const arg = (i: number) => `$spec.args[${i}]`;
  const byName = spec.derive !== null || spec.rules !== null;
  spec.args.forEach((a, i) => {
    if (a.kind === 'array') return;
    lines.push(`$.${a.kind}(${fn}, ${arg(i)}, ${a.name});`);
    if (byName) lines.push(`$v.${a.name} = ${a.name};`);
  });
  if (spec.derive !== null) lines.push(`$spec.derive(${fn}, $v);`, 'const OH = $v.OH, OW = $v.OW;');
  spec.args.forEach((a, i) => {
    if (a.kind !== 'array') return;
    const length = a.dims.join(' * ');
    // A product of sizes (each below 2^31) can exceed 2^53, where it would no longer be exact.
    const check =
      a.dims.length > 1 ? [`if (${length} > ${Number.MAX_SAFE_INTEGER}) $.overflow(${fn}, ${arg(i)}, [${a.dims.join(', ')}]);`] : [];
    check.push(`$.array(${fn}, ${arg(i)}, ${a.name}, ${length});`);
    if (a.nullable) lines.push(`if (${a.name} !== null) {`, ...check.map((l) => `  ${l}`), '}');
    else lines.push(...check);
    if (byName) lines.push(`$v.${a.name} = ${a.name};`);
  });
  if (spec.rules !== null && !addonAppliesRules) lines.push(`$spec.rules(${fn}, $v);`);
  // The caller's buffers are not kept alive past the call.
  if (byName)
    spec.args.forEach((a) => {
      a.kind === 'array' && lines.push(`$v.${a.name} = null;`);
    });
  spec.args.forEach((out, i) => {
    if (out.kind !== 'array' || out.output === false) return;
    spec.args.forEach((other, j) => {
      // A pair of outputs is checked once, from the first of the two.
      if (j === i || other.kind !== 'array' || (j < i && other.output === true)) return;
      const present = [out, other].filter((a) => a.kind === 'array' && a.nullable).map((a) => `${a.name} !== null`);
      if (typeof out.output === 'string') present.unshift(out.output);
      const call =
        `$.noOverlap(${fn}, ${JSON.stringify(out.name)}, ${out.name}, ` +
        `${JSON.stringify(other.name)}, ${other.name}, ${out.same.includes(other.name)});`;
      lines.push(present.length > 0 ? `if (${present.join(' && ')}) ${call}` : call);
    });
  });
  lines.push(`return $raw(${spec.args.map((a) => a.name).join(', ')});`);
  return `return function ${name}(${spec.args.map((a) => a.name).join(', ')}) {\n  ${lines.join('\n  ')}\n};`;
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
    const spec: KernelSpec = KERNELS[name];
    // The arguments by name, for derive and rules; one object per kernel, its shape fixed from the start.
    const values: Values = { OH: 0, OW: 0 };
    for (const a of spec.args) values[a.name] = null;
    backend[name] = new Function('$', '$spec', '$v', '$raw', checkerSource(name, spec, raw.name === 'native' && spec.rulesInAddon))(
      helpers,
      spec,
      values,
      raw[name],
    );
  }
  return backend as unknown as Backend;
}
