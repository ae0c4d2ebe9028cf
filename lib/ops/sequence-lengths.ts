/**
 * Per-row lengths of a padded batch of sequences [B, T, …], carried beside the tensor rather than inside it: a side
 * table keyed by the tensor (a WeakMap, so nothing is kept alive by it). An Embedding with a paddingIdx derives them
 * from each row's trailing padding and attaches them to its output; `withLengths(x, lengths)` attaches them by hand; a
 * Sequential carries them through the shape-preserving layers in between (Dropout, …) to the recurrent layer, which
 * runs each row over its first lengths[b] steps only (PyTorch's packed sequences, without packing).
 */
import { fail } from '../errors.js';
import { show } from '../check.js';
import type { Tensor } from '../tensor.js';

const table = new WeakMap<Tensor, Int32Array>();

/** Checks lengths against a [B, T, …] batch: B integers in [0, T]. Returns them as an Int32Array (a copy). */
export function checkLengths(where: string, lengths: unknown, B: number, T: number): Int32Array {
  const list = lengths as ArrayLike<unknown>;
  if (lengths === null || typeof lengths !== 'object' || typeof list.length !== 'number')
    fail('ERR_INVALID_ARG', `${where}: lengths must be an array of ${B} integers, got ${show(lengths)}`);
  if (list.length !== B) fail('ERR_SHAPE', `${where}: lengths has ${list.length} values, the batch has ${B} rows`);
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n = list[b];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > T)
      fail('ERR_INVALID_ARG', `${where}: lengths[${b}] is ${show(n)}, not an integer in [0, ${T}] (the batch has ${T} steps)`);
    out[b] = n;
  }
  return out;
}

/** Attaches per-row lengths to a padded batch x [B, T, …] and returns x. */
export function withLengths(x: Tensor, lengths: ArrayLike<number>): Tensor {
  if (x === null || typeof x !== 'object' || !Array.isArray((x as Tensor).shape) || x.shape.length < 2)
    fail('ERR_INVALID_ARG', 'withLengths: x must be a Tensor [batch, steps, …]');
  table.set(x, checkLengths('withLengths', lengths, x.shape[0], x.shape[1]));
  return x;
}

/** The lengths attached to x, or null. */
export function lengthsOf(x: Tensor): Int32Array | null {
  return table.get(x) ?? null;
}

/**
 * Gives `to` the lengths of `from` when it has none of its own and keeps from's [B, T] steps with at least one feature
 * axis after them (a layer that keeps the sequence: Dropout, an activation). Returns `to`.
 */
export function carryLengths(from: Tensor, to: Tensor): Tensor {
  if (to === from) return to;
  const lengths = table.get(from);
  if (lengths === undefined || table.has(to)) return to;
  if (to.shape.length >= 3 && to.shape[0] === from.shape[0] && to.shape[1] === from.shape[1]) table.set(to, lengths);
  return to;
}
