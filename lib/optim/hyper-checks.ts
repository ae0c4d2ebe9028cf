/**
 * Hyper-parameter checks shared by the optimizers and schedules. They run once, at construction (and when
 * a saved state is loaded), with PyTorch's own rules, so a bad value fails where it is written rather than
 * as a NaN many steps later. Every failure is a NeuroblasError('ERR_INVALID_ARG') naming the owner, the
 * option, the rule and the value.
 */
import { fail } from '../errors.js';

function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** Refuses option keys the owner does not know: a typo such as `weight_decay` would otherwise be ignored silently. */
export function checkKnownKeys(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      fail('ERR_INVALID_ARG', `${owner}: unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
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
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('ERR_INVALID_ARG', `${owner}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

/** A non-negative integer (patience, cooldown). */
export function nonNegativeInteger(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail('ERR_INVALID_ARG', `${owner}: ${name} must be a non-negative integer, got ${show(v)}`);
  return v;
}

export function bool(owner: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail('ERR_INVALID_ARG', `${owner}: ${name} must be a boolean, got ${show(v)}`);
  return v;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(owner: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail('ERR_INVALID_ARG', `${owner}: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

/** `v` when given, the default otherwise (undefined means "not given", as in PyTorch's keyword defaults). */
export function given<T>(v: unknown, fallback: T): unknown {
  return v === undefined ? fallback : v;
}
