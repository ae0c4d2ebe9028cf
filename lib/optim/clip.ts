/**
 * Gradient clipping, PyTorch's torch.nn.utils.clip_grad_norm_ and clip_grad_value_, for a manual loop (between
 * backward() and step()) and for fit's `clipNorm` / `clipValue`. Cheap: the norm is one pass over each gradient
 * (powerSum), and the gradients are scaled only when the norm is above the limit.
 *
 * A non-finite total norm (a NaN or ±Inf in a gradient) is never applied silently: PyTorch 1.13 would multiply every
 * gradient by NaN; here it is an ERR_BAD_DATA, or with `errorIfNonfinite: false` the norm is returned and the
 * gradients are left as they are, for the caller to decide (skip the step, lower the learning rate).
 */
import { checkKnownKeys, finite, nonNegative, optionsObject, show } from '../check.js';
import { fail } from '../errors.js';
import { currentBackend } from '../ops/current-backend.js';
import { isFloat32Array } from '../tensor.js';
import type { Parameter } from './optimizer.js';

export interface ClipGradNormOptions {
  /** The norm's order p (default 2); Infinity (or 'inf') is the largest absolute value. */
  normType?: number | 'inf';
  /** Default true: a non-finite total norm is an ERR_BAD_DATA. false: it is returned, and nothing is clipped. */
  errorIfNonfinite?: boolean;
}

/** The parameters that have a gradient, from a parameter or an iterable of them (model.parameters()). */
function gradients(owner: string, parameters: unknown): Float32Array[] {
  const one = typeof parameters === 'object' && parameters !== null && 'data' in parameters;
  const iterable = typeof parameters === 'object' && parameters !== null && Symbol.iterator in parameters;
  if (!one && !iterable)
    fail(
      'ERR_INVALID_ARG',
      `${owner}: parameters must be a parameter or an iterable of them (model.parameters()), got ${show(parameters)}`,
    );
  const list = one ? [parameters as Parameter] : [...(parameters as Iterable<Parameter>)];
  const grads: Float32Array[] = [];
  list.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || !isFloat32Array(p.data))
      fail('ERR_INVALID_ARG', `${owner}: parameter ${i} must have a Float32Array 'data', got ${show(p)}`);
    if (p.grad === null || p.grad === undefined) return; // never reached by backward (frozen, unused): PyTorch skips it
    if (!isFloat32Array(p.grad)) fail('ERR_INVALID_ARG', `${owner}: parameter ${i}'s grad must be a Float32Array or null`);
    grads.push(p.grad);
  });
  return grads;
}

function normOrder(owner: string, v: unknown): number {
  if (v === 'inf') return Infinity;
  if (typeof v !== 'number' || !(v > 0))
    fail('ERR_INVALID_ARG', `${owner}: normType must be a number > 0 (2 by default; Infinity or 'inf' for the max norm), got ${show(v)}`);
  return v;
}

/** The total p-norm of the gradients, as if they were one vector. */
export function gradNorm(grads: readonly Float32Array[], p: number): number {
  const be = currentBackend();
  let total = 0;
  for (const g of grads) {
    const part = be.powerSum(g.length, p, g);
    total = p === Infinity ? (part > total || Number.isNaN(part) ? part : total) : total + part;
  }
  return p === Infinity ? total : total ** (1 / p);
}

/**
 * Scales the gradients so that their total p-norm (over all of them, as one vector) is at most maxNorm, as PyTorch's
 * clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), applied when below 1. Returns the total norm before clipping.
 */
export function clipGradNorm(parameters: Iterable<Parameter> | Parameter, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const owner = 'clipGradNorm';
  const o = optionsObject(owner, options) as ClipGradNormOptions;
  checkKnownKeys(owner, o, ['normType', 'errorIfNonfinite']);
  const max = nonNegative(owner, 'maxNorm', maxNorm);
  const p = normOrder(owner, o.normType ?? 2);
  if (o.errorIfNonfinite !== undefined && typeof o.errorIfNonfinite !== 'boolean')
    fail('ERR_INVALID_ARG', `${owner}: errorIfNonfinite must be a boolean, got ${show(o.errorIfNonfinite)}`);
  const grads = gradients(owner, parameters);
  const total = gradNorm(grads, p);
  if (!Number.isFinite(total)) {
    if (o.errorIfNonfinite === false) return total;
    fail(
      'ERR_BAD_DATA',
      `${owner}: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped (a gradient holds ` +
        `NaN or ±Infinity: lower the learning rate or scale the inputs; errorIfNonfinite: false returns the norm instead)`,
    );
  }
  // In float32, as PyTorch computes it from its float32 norm.
  const coef = Math.fround(max / Math.fround(Math.fround(total) + 1e-6));
  if (coef < 1) {
    const be = currentBackend();
    for (const g of grads) be.scale(g.length, coef, g);
  }
  return total;
}

/** Clamps every gradient value into [−clipValue, clipValue], as PyTorch's clip_grad_value_ (NaN stays NaN). */
export function clipGradValue(parameters: Iterable<Parameter> | Parameter, clipValue: number): void {
  const owner = 'clipGradValue';
  const v = nonNegative(owner, 'clipValue', finite(owner, 'clipValue', clipValue));
  const be = currentBackend();
  for (const g of gradients(owner, parameters)) be.clamp(g.length, -v, v, g);
}

/** fit's clipping options, checked: at most one of the two. */
export type FitClipping = { kind: 'norm'; maxNorm: number } | { kind: 'value'; clipValue: number };

/** fit's `clipNorm` / `clipValue`, checked once before training (null: no clipping). */
export function checkClipOptions(owner: string, clipNorm: unknown, clipValue: unknown): FitClipping | null {
  if (clipNorm !== undefined && clipValue !== undefined)
    fail('ERR_INVALID_ARG', `${owner}: give clipNorm or clipValue, not both (clipNorm scales the gradients, clipValue clamps them)`);
  const positive = (name: string, v: unknown) => {
    const n = finite(owner, name, v);
    if (!(n > 0)) fail('ERR_INVALID_ARG', `${owner}: ${name} must be > 0, got ${n}`);
    return n;
  };
  if (clipNorm !== undefined) return { kind: 'norm', maxNorm: positive('clipNorm', clipNorm) };
  if (clipValue !== undefined) return { kind: 'value', clipValue: positive('clipValue', clipValue) };
  return null;
}

/** One training step's clipping, between backward() and step(); a non-finite gradient norm names the step. */
export function clipBeforeStep(clip: FitClipping, parameters: Iterable<Parameter>, epoch: number, batch: number): void {
  if (clip.kind === 'value') {
    clipGradValue(parameters, clip.clipValue);
    return;
  }
  const total = clipGradNorm(parameters, clip.maxNorm, { errorIfNonfinite: false });
  if (!Number.isFinite(total))
    fail(
      'ERR_BAD_DATA',
      `fit: the gradient norm became ${total} at epoch ${epoch}, batch ${batch}, so it cannot be clipped (clipNorm); lower ` +
        'the learning rate or scale the inputs',
    );
}
