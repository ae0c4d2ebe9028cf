/**
 * The one vocabulary for checking what a user passed: layers, ops, losses, optimizers, schedules, fit and
 * the CLI all use these, so the same mistake gets the same words everywhere. Each check names the owner
 * (the class or function the user called), the argument, the rule and the value it got, and throws
 * NeuroblasError('ERR_INVALID_ARG'). They run once, where the value is given (a constructor, a call's
 * options), with PyTorch's rules, so a bad value fails where it is written rather than as a NaN many steps
 * later. Kernel arguments are checked separately, generically, from the contract table (lib/backend/).
 */
import { fail } from './errors.js';

/** A value as an error message shows it: numbers and booleans as written, strings quoted, arrays by length. */
export function show(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as Float32Array).length})`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** A count with its noun, singular for 1: `plural(1, 'epoch')` is "1 epoch", `plural(3, 'row')` "3 rows". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Refuses option keys the owner does not know: a typo such as `weight_decay` would otherwise be ignored silently. */
export function checkKnownKeys(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const near = closestName(key, known);
      const hint = near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
      fail('ERR_INVALID_ARG', `${owner}: unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})${hint}`);
    }
  }
}

/** An options argument: undefined means "all defaults"; anything else must be a plain object. */
export function optionsObject(owner: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('ERR_INVALID_ARG', `${owner}: options must be an object, got ${show(options)}`);
  }
  return options as Record<string, unknown>;
}

export function finite(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('ERR_INVALID_ARG', `${owner}: ${name} must be a finite number, got ${show(v)}`);
  return v;
}

/** A finite number >= 0 (learning rates, epsilons, decays). */
export function nonNegative(owner: string, name: string, v: unknown): number {
  const n = finite(owner, name, v);
  if (n < 0) fail('ERR_INVALID_ARG', `${owner}: ${name} must be >= 0, got ${n}`);
  return n;
}

/** A finite number in [0, 1): the range of Adam's betas, where 1 would divide by a zero bias correction. */
export function unitInterval(owner: string, name: string, v: unknown): number {
  const n = finite(owner, name, v);
  if (n < 0 || n >= 1) fail('ERR_INVALID_ARG', `${owner}: ${name} must be in [0, 1), got ${n}`);
  return n;
}

/** A positive integer (step sizes, periods). */
export function positiveInteger(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail('ERR_INVALID_ARG', `${owner}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

/** An integer >= min (sizes, kernel sizes, strides: min 1; paddings, counts: min 0). */
export function integer(owner: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail('ERR_INVALID_ARG', `${owner}: ${name} must be an integer >= ${min}, got ${show(v)}`);
  }
  return v;
}

/** A non-negative integer (patience, cooldown). */
export function nonNegativeInteger(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    fail('ERR_INVALID_ARG', `${owner}: ${name} must be a non-negative integer, got ${show(v)}`);
  return v;
}

export function bool(owner: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail('ERR_INVALID_ARG', `${owner}: ${name} must be a boolean, got ${show(v)}`);
  return v;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(owner: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    fail('ERR_INVALID_ARG', `${owner}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

/** `v` when given, the default otherwise (undefined means "not given", as in PyTorch's keyword defaults). */
export function given<T>(v: unknown, fallback: T): unknown {
  return v === undefined ? fallback : v;
}

/**
 * Typed-array tests by tag rather than instanceof, so arrays from another realm (vm, workers) are accepted
 * too, as the kernel checks accept them.
 */
export function isFloat32Array(v: unknown): v is Float32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float32Array]';
}

export function isInt32Array(v: unknown): v is Int32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Int32Array]';
}

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The valid name a mistyped one most likely meant, for "did you mean …?": compared without case, `_` and `-`
 * (so `weight_decay` finds `weightDecay`), at most 1 edit away for names up to 6 letters and 2 beyond; none for
 * names of 2 letters (`lr` is not a typo of `l2`), none when two candidates are equally close.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const wanted = norm(name);
  if (wanted.length <= 2) return undefined;
  const limit = wanted.length <= 6 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tie = false;
  for (const c of candidates) {
    const d = editDistance(wanted, norm(c));
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}
