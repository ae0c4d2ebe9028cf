/**
 * The native backend: the addon's exports (native/*.cc, each registered with NB_EXPORT) mapped to the contract,
 * read off the contract table. Raw — unchecked here: load.ts wraps it in checked() like the js backend, and the
 * addon re-checks memory safety in C++. The addon takes each kernel's arguments in the table's order, with two
 * translations that spare C++ from reading JS objects on the hot path: an activation kind becomes its code (its
 * index in ACTIVATION_KINDS) and an options object becomes its fields, positionally, in the table's order.
 * Kernels with neither are the addon's functions themselves.
 */
import { NeuroblasError } from '../errors.js';
import { type Backend, KERNEL_NAMES, KERNELS, type KernelName } from './contract.js';
import { ACTIVATION_KINDS, type KernelSpec } from './kernel-spec.js';

export interface OpenblasInfo {
  /** openblas_get_config(), e.g. 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64'. */
  config: string;
  /** openblas_get_corename(): the kernel set in use. */
  coreName: string;
  /** Who chose the kernels: the user (OPENBLAS_CORETYPE), neuroblas (switched an AVX-512 CPU to SkylakeX), or OpenBLAS's own detection. */
  coreTypeSource: 'user' | 'neuroblas' | 'openblas';
  threads: number;
}

type AddonFunction = (...args: unknown[]) => unknown;

/** The addon's exports: one function per kernel in the table, and these four. */
export type NativeAddon = Record<KernelName, AddonFunction> & {
  setErrorClass(cls: unknown): void;
  openblasInfo(): OpenblasInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;
};

/** The addon's exports that are not kernels. */
export const SERVICE_EXPORTS = ['setErrorClass', 'openblasInfo', 'setNumThreads', 'getNumThreads'] as const;

/** Activation kind → the addon's integer code; an unknown string maps to -1, which the addon refuses (only reachable unchecked). */
const KIND_CODE = new Map<unknown, number>(ACTIVATION_KINDS.map((kind, code) => [kind, code]));
const activationCode = (kind: unknown): number => KIND_CODE.get(kind) ?? -1;

/**
 * The addon's function for one kernel, taking the contract's arguments: generated once from the entry, so a call
 * is one direct call with the translated arguments (no loop over the entry, nothing allocated per call).
 */
function adapt(name: string, spec: KernelSpec, fn: AddonFunction): AddonFunction {
  if (!spec.args.some((a) => a.kind === 'activation' || a.kind === 'options')) return fn;
  const positional = spec.args.flatMap((a) => {
    if (a.kind === 'activation') return [`$code(${a.name})`];
    if (a.kind === 'options') return a.fields.map(([field]) => `${a.name}.${field}`);
    return [a.name];
  });
  const params = spec.args.map((a) => a.name).join(', ');
  return new Function('$addon', '$code', `return function ${name}(${params}) { return $addon(${positional.join(', ')}); };`)(
    fn,
    activationCode,
  );
}

export function wrapAddon(addon: NativeAddon): Backend {
  // A stale build (an older .node next to newer TypeScript) fails here, once, with the name of what is missing,
  // rather than with "not a function" in the middle of a training run.
  const missing = [...KERNEL_NAMES, ...SERVICE_EXPORTS].filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new NeuroblasError('ERR_BACKEND', `native addon is missing ${missing.join(', ')}: rebuild it with \`npm run build:addon\``);
  }
  const backend: Record<string, unknown> = {
    name: 'native',
    setNumThreads: (n: number) => addon.setNumThreads(n),
    getNumThreads: () => addon.getNumThreads(),
  };
  for (const name of KERNEL_NAMES) backend[name] = adapt(name, KERNELS[name], addon[name]);
  return backend as unknown as Backend;
}
