/**
 * The rules of the sequence kernels (embedding, LSTM, GRU) that the contract table cannot say by itself: indices
 * that address a row, the gate width G = gates·H, lengths within the steps. Run by checked.ts on every call, before any
 * work; the native addon checks what memory depends on again (native/embedding.cc, native/recurrent.cc).
 */
import { fail } from '../errors.js';
import type { Values } from './kernel-spec.js';
import { MAX_DIM } from './validate.js';

/** Each index addresses a row of the V-row table. */
export function indicesInRange(fn: string, v: Values): void {
  const indices = v.indices as Int32Array;
  for (let i = 0; i < v.n; i++) {
    const k = indices[i];
    if (k < 0 || k >= v.V) fail('ERR_INVALID_ARG', `${fn}: indices[${i}] = ${k} is outside [0, ${v.V})`);
  }
  if (v.n * v.D > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: n·D = ${v.n}·${v.D} is beyond ${MAX_DIM}`);
}

function recurrent(fn: string, v: Values, gates: number): void {
  if (v.G !== gates * v.H) fail('ERR_INVALID_ARG', `${fn}: G must be ${gates}·H = ${gates * v.H}, got ${v.G}`);
  // B·T rows are one GEMM's M; T·G is the stride between a row's steps.
  if (v.B * v.T > MAX_DIM || v.T * v.G > MAX_DIM) fail('ERR_OVERFLOW', `${fn}: B·T or T·G is beyond ${MAX_DIM}`);
  const lengths = v.lengths as Int32Array | null;
  if (lengths === null) return;
  for (let b = 0; b < v.B; b++) {
    const n = lengths[b];
    if (n < 0 || n > v.T) fail('ERR_INVALID_ARG', `${fn}: lengths[${b}] = ${n} is outside [0, T = ${v.T}]`);
  }
}

export function lstmGates(fn: string, v: Values): void {
  recurrent(fn, v, 4);
}

export function gruGates(fn: string, v: Values): void {
  recurrent(fn, v, 3);
}
