/**
 * The contract table (lib/backend/contract.ts) is what both backends and their checks are made from. These tests
 * read the table: it is consistent with itself; the js backend, the native addon and the checks each cover
 * exactly its kernels; and for every kernel, a call built from its entry works, while each argument made wrong in
 * turn (a wrong type, a short buffer, an output aliasing another array) fails with the right code and name, on
 * both backends, and in the addon's own C++ checks when it is called directly.
 */
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, KERNELS, type KernelName } from '../../lib/backend/contract.js';
import type { Arg, ArrayArg } from '../../lib/backend/kernel-spec.js';
import { SERVICE_EXPORTS, wrapAddon, type NativeAddon } from '../../lib/backend/native.js';
import { getBackend } from '../../lib/index.js';
import { loadAddon } from '../helpers/addon.js';
import { backendNames, backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

const DERIVED = ['OH', 'OW'];
const arrays = (name: KernelName) => (KERNELS[name].args as readonly Arg[]).filter((a): a is ArrayArg => a.kind === 'array');
const isOutput = (a: ArrayArg) => a.output !== false;

describe('the contract table', () => {
  it.each(KERNEL_NAMES)('%s: names are unique, lengths use its sizes, outputs may only be earlier inputs of their type', (name) => {
    const spec = KERNELS[name];
    const args = spec.args as readonly Arg[];
    const names = args.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    const sizes = args.filter((a) => a.kind === 'size').map((a) => a.name);
    for (const a of arrays(name)) {
      for (const d of a.dims) {
        const known = sizes.includes(d) || (spec.derive !== null && DERIVED.includes(d));
        expect(known, `${name}: ${a.name}'s length names ${d}, which is neither a size nor derived`).toBe(true);
      }
      if (typeof a.output === 'string') expect(args.find((b) => b.name === a.output)?.kind).toBe('boolean');
      for (const s of a.same) {
        const input = arrays(name).find((b) => b.name === s);
        expect(input, `${name}: ${a.name} may be ${s}, which is not an array argument`).toBeDefined();
        expect(input!.type).toBe(a.type);
        expect(isOutput(input!), `${name}: ${a.name} may be ${s}, which is an output`).toBe(false);
      }
    }
  });

  it('the js backend is exactly the table', () => {
    const js = getBackend('js') as unknown as Record<string, unknown>;
    expect(Object.keys(js).sort()).toEqual([...KERNEL_NAMES, 'name', 'setNumThreads', 'getNumThreads'].sort());
  });

  it.skipIf(!backendNames.includes('native'))('the addon exports exactly the table and its four services, no more', () => {
    expect(Object.keys(loadAddon()).sort()).toEqual([...KERNEL_NAMES, ...SERVICE_EXPORTS].sort());
  });
});

/**
 * A valid call from a kernel's entry: every dimension 1 but paddings 0 (so OH = OW = 1), numbers 0.5, flags false,
 * the identity activation, options 0 or false, step and seed at their minimum, and a fresh zeroed array of the
 * length its dimensions give for each buffer (so a label 0 and an argmax 0 are in range). OVERRIDES puts every
 * optional state buffer to use and gives batch norm the two rows its training statistics need.
 */
const OVERRIDES: Partial<Record<KernelName, Record<string, unknown>>> = {
  batchNormForward: { M: 2 },
  sgdStep: { momentum: 0.5 },
  adamStep: { amsgrad: true },
  rmspropStep: { centered: true, momentum: 0.5 },
  lstmForward: { G: 4 },
  lstmBackward: { G: 4 },
  gruForward: { G: 3 },
  gruBackward: { G: 3 },
};

function validCall(name: KernelName): unknown[] {
  const over = OVERRIDES[name] ?? {};
  const dims: Record<string, number> = { OH: 1, OW: 1 };
  return (KERNELS[name].args as readonly Arg[]).map((a) => {
    switch (a.kind) {
      case 'size':
        dims[a.name] = (over[a.name] as number) ?? (a.name === 'pad' ? 0 : 1);
        return dims[a.name];
      case 'integer':
        return a.min;
      case 'number':
        return 0.5;
      case 'boolean':
        return false;
      case 'activation':
        return 'linear';
      case 'options':
        return Object.fromEntries(a.fields.map(([f, t]) => [f, over[f] ?? (t === 'boolean' ? false : 0)]));
      case 'array': {
        const n = a.dims.reduce((p, d) => p * dims[d], 1);
        return a.type === 'f32' ? new Float32Array(n) : a.type === 'i32' ? new Int32Array(n) : new Uint8Array(n);
      }
      default:
        throw new Error(`an argument kind this test does not know: ${JSON.stringify(a)}`);
    }
  });
}

const wrongType = (a: ArrayArg) => (a.type === 'f32' ? new Float64Array(1) : new Float32Array(1));
const empty = (a: ArrayArg) => (a.type === 'f32' ? new Float32Array(0) : a.type === 'i32' ? new Int32Array(0) : new Uint8Array(0));
const call = (fn: unknown, args: unknown[]) => () => (fn as (...a: unknown[]) => unknown)(...args);
const index = (name: KernelName, arg: string) => (KERNELS[name].args as readonly Arg[]).findIndex((a) => a.name === arg);

describe.each(backends)('every kernel, from its entry ($name)', (b) => {
  const kernel = (name: KernelName) => (b as unknown as Record<string, unknown>)[name];

  it.each(KERNEL_NAMES)('%s: the call built from its entry runs', (name) => {
    expect(call(kernel(name), validCall(name))).not.toThrow();
  });

  it.each(KERNEL_NAMES)('%s: each buffer of the wrong type is ERR_INVALID_ARG, too short is ERR_SHAPE, naming it', (name) => {
    for (const a of arrays(name)) {
      const i = index(name, a.name);
      const args = validCall(name);
      args[i] = wrongType(a);
      expectError(call(kernel(name), args), 'ERR_INVALID_ARG', new RegExp(`\\b${a.name}\\b`));
      args[i] = empty(a);
      expectError(call(kernel(name), args), 'ERR_SHAPE', new RegExp(`\\b${a.name}\\b`));
    }
  });

  // Kernels with an output and another array of its type (scale, fill, addScalar and sum have a single array).
  const withPairs = KERNEL_NAMES.filter((name) =>
    arrays(name).some((o) => isOutput(o) && arrays(name).some((x) => x !== o && x.type === o.type)),
  );
  it.each(withPairs)('%s: each output that is another array argument is ERR_ALIAS, unless the table allows exactly that one', (name) => {
    for (const out of arrays(name).filter(isOutput)) {
      for (const other of arrays(name)) {
        if (other === out || other.type !== out.type) continue;
        const args = validCall(name);
        // An output only when a flag is set (batch norm's mean in training): set it.
        if (typeof out.output === 'string') args[index(name, out.output)] = true;
        const [i, j] = [index(name, out.name), index(name, other.name)];
        if ((args[i] as ArrayBufferView).byteLength !== (args[j] as ArrayBufferView).byteLength) continue;
        args[i] = args[j];
        if (out.same.includes(other.name)) expect(call(kernel(name), args)).not.toThrow();
        else expectError(call(kernel(name), args), 'ERR_ALIAS', new RegExp(`\\b${out.name}\\b`));
      }
    }
  });

  it.each(KERNEL_NAMES)('%s: a negative or fractional size is ERR_INVALID_ARG naming it', (name) => {
    for (const a of (KERNELS[name].args as readonly Arg[]).filter((x) => x.kind === 'size')) {
      for (const bad of [-1, 0.5]) {
        const args = validCall(name);
        args[index(name, a.name)] = bad;
        expectError(call(kernel(name), args), 'ERR_INVALID_ARG', new RegExp(`\\b${a.name}\\b`));
      }
    }
  });
});

describe.skipIf(!backendNames.includes('native'))('every kernel, the addon called without the TypeScript checks', () => {
  const raw = wrapAddon(loadAddon() as unknown as NativeAddon) as unknown as Record<string, unknown>;

  it.each(KERNEL_NAMES)('%s: a buffer too short or of the wrong type is the library error from C++, never a crash', (name) => {
    for (const a of arrays(name)) {
      const args = validCall(name);
      args[index(name, a.name)] = empty(a);
      expectError(call(raw[name], args), 'ERR_SHAPE');
      args[index(name, a.name)] = wrongType(a);
      expectError(call(raw[name], args), 'ERR_INVALID_ARG');
    }
  });
});
