/**
 * Bad calls fail the same way on both backends, before any work: the library's error class with a stable
 * code. The TypeScript checks run in front of either backend (lib/backend/checked.ts); these tests hold
 * that promise for the backends as handed out by getBackend.
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

const F = (n: number) => new Float32Array(n);
// Deliberately ill-typed calls: the contract's types are what a TypeScript caller sees, not what JS passes.
const loose = (b: Backend) => b as unknown as Record<string, (...args: unknown[]) => unknown>;
const SGD = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 };

describe.each(backends)('bad arguments ($name)', (b) => {
  const sgemm =
    (...args: unknown[]) =>
    () =>
      loose(b).sgemm(...args);
  // A valid 2×3×4 call: A 2×4, B 4×3, C 2×3.
  const ok = () => [false, false, 2, 3, 4, 1, F(8), F(12), 0, F(6)] as unknown[];
  const withArg = (i: number, v: unknown) => {
    const a = ok();
    a[i] = v;
    return a;
  };

  it('the valid baseline call works', () => {
    expect(sgemm(...ok())).not.toThrow();
  });

  it.each([
    ['a number as an array', 6, 8],
    ['a Float64Array as a Float32Array', 6, new Float64Array(8)],
    ['an Int32Array as a Float32Array', 7, new Int32Array(12)],
    ['a plain array', 9, [0, 0, 0, 0, 0, 0]],
    ['null for a required array', 9, null],
    ['a string size', 2, '2'],
    ['a number for a boolean', 0, 0],
    ['a string alpha', 5, '1'],
    ['a NaN beta', 8, NaN],
    ['an Infinity alpha', 5, Infinity],
  ])('sgemm refuses %s: ERR_INVALID_ARG', (_what, i, v) => {
    expectError(sgemm(...withArg(i, v)), 'ERR_INVALID_ARG');
  });

  it.each([-1, 1.5, NaN, Infinity, -Infinity])('size %s is ERR_INVALID_ARG (M, N and K)', (v) => {
    for (const i of [2, 3, 4]) expectError(sgemm(...withArg(i, v)), 'ERR_INVALID_ARG', /must be a non-negative integer/);
  });

  it.each([2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER])('size %s (> 2^31 − 1) is ERR_OVERFLOW', (v) => {
    for (const i of [2, 3, 4]) expectError(sgemm(...withArg(i, v)), 'ERR_OVERFLOW');
    expectError(() => b.sum(v, F(4)), 'ERR_OVERFLOW');
  });

  it('2^31 − 1 is a valid size but then the buffers are too short: ERR_SHAPE, not a crash', () => {
    expectError(sgemm(false, false, 2 ** 31 - 1, 1, 1, 1, F(8), F(12), 0, F(6)), 'ERR_SHAPE');
    expectError(() => b.fill(2 ** 31 - 1, 0, F(4)), 'ERR_SHAPE');
  });

  it.each([
    ['A', 6, F(7), 8, 7],
    ['B', 7, F(11), 12, 11],
    ['C', 9, F(5), 6, 5],
  ])('a short %s is ERR_SHAPE naming it with expected and actual lengths, and C is left untouched', (name, i, v, need, got) => {
    const args = withArg(i, v);
    const C = i === 9 ? (v as Float32Array) : F(6).fill(7);
    args[9] = C;
    expectError(sgemm(...args), 'ERR_SHAPE', new RegExp(`\\b${name}\\b.*\\b${need}\\b.*\\b${got}\\b`));
    if (i !== 9) expect(Array.from(C)).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it('short buffers in other kernels: ERR_SHAPE', () => {
    expectError(() => b.biasAdd(2, 3, F(2), F(6)), 'ERR_SHAPE', /bias/);
    expectError(() => b.activationForward('tanh', 0, 10, F(10), F(9)), 'ERR_SHAPE', /\bY\b/);
    expectError(() => b.softmaxCrossEntropy(2, 3, F(6), new Int32Array(1), F(6), F(6)), 'ERR_SHAPE', /labels/);
    expectError(() => b.batchNormForward(4, 3, 2, F(24), F(2), F(3), 1e-5, true, F(3), F(3), F(24)), 'ERR_SHAPE', /gamma/);
    expectError(() => b.dropoutForward(5, 0.5, 1, F(5), new Uint8Array(4), F(5)), 'ERR_SHAPE', /mask/);
    expectError(
      () =>
        b.adamStep(4, F(4), F(4), F(4), F(3), null, 1, {
          lr: 1,
          beta1: 0.9,
          beta2: 0.99,
          eps: 1e-8,
          weightDecay: 0,
          decoupled: false,
          amsgrad: false,
        }),
      'ERR_SHAPE',
      /\bv\b/,
    );
  });

  it('an output that is an input is ERR_ALIAS in sgemm (C = A, C = B)', () => {
    const buf = F(12);
    expectError(sgemm(false, false, 2, 3, 4, 1, buf, F(12), 0, buf), 'ERR_ALIAS');
    expectError(sgemm(false, false, 2, 3, 4, 1, F(8), buf, 0, buf), 'ERR_ALIAS');
  });

  it('partial overlap through subarrays of one buffer is ERR_ALIAS, even where the very same array is allowed', () => {
    const pool = F(40);
    expectError(sgemm(false, false, 2, 3, 4, 1, pool.subarray(0, 8), pool.subarray(8, 20), 0, pool.subarray(19, 25)), 'ERR_ALIAS');
    expectError(() => b.activationForward('relu', 0, 10, pool.subarray(0, 10), pool.subarray(1, 11)), 'ERR_ALIAS');
    expectError(() => b.axpy(10, 1, pool.subarray(0, 10), pool.subarray(5, 15)), 'ERR_ALIAS');
    expectError(() => b.softmaxBackward(2, 3, pool.subarray(0, 6), F(6), pool.subarray(3, 9)), 'ERR_ALIAS');
    expectError(() => b.sgdStep(4, pool.subarray(0, 4), pool.subarray(2, 6), null, 1, SGD), 'ERR_ALIAS');
    // Adjacent, not overlapping: fine.
    expect(() => b.activationForward('relu', 0, 10, pool.subarray(0, 10), pool.subarray(10, 20))).not.toThrow();
  });

  it('a detached (transferred) buffer is ERR_DETACHED, for inputs and outputs', () => {
    const detached = () => {
      const a = F(8);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return a;
    };
    expectError(sgemm(false, false, 2, 3, 4, 1, detached(), F(12), 0, F(6)), 'ERR_DETACHED');
    expectError(sgemm(false, false, 2, 3, 4, 1, F(8), F(12), 0, detached()), 'ERR_DETACHED');
    expectError(() => b.sum(1, detached()), 'ERR_DETACHED');
  });

  it('labels outside [0, N) are ERR_LABEL, naming the row', () => {
    expectError(() => b.softmaxCrossEntropy(2, 3, F(6), Int32Array.from([0, 3]), F(6), F(6)), 'ERR_LABEL', /labels\[1\]/);
    expectError(() => b.softmaxCrossEntropy(2, 3, F(6), Int32Array.from([-1, 0]), F(6), F(6)), 'ERR_LABEL', /labels\[0\]/);
    expectError(() => loose(b).softmaxCrossEntropy(2, 3, F(6), F(2), F(6), F(6)), 'ERR_INVALID_ARG');
  });

  it('unknown activation kinds, negative slopes and a backward without Z are ERR_INVALID_ARG', () => {
    expectError(() => loose(b).activationForward('swish', 0, 1, F(1), F(1)), 'ERR_INVALID_ARG');
    expectError(() => b.activationForward('elu', -1, 1, F(1), F(1)), 'ERR_INVALID_ARG');
    expectError(() => b.activationForward('leaky_relu', NaN, 1, F(1), F(1)), 'ERR_INVALID_ARG');
    expectError(
      () => b.denseBackward(1, 1, 1, F(1), F(1), 'relu', 0, null, F(1), F(1), F(1), 0, F(1), null, null),
      'ERR_INVALID_ARG',
      /Z \(the pre-activation output\) is required/,
    );
  });

  it('dropout keep outside (0, 1] and bad seeds are ERR_INVALID_ARG', () => {
    for (const keep of [0, -0.1, 1.01, NaN])
      expectError(() => b.dropoutForward(1, keep, 1, F(1), new Uint8Array(1), F(1)), 'ERR_INVALID_ARG');
    for (const seed of [-1, 2 ** 32, 0.5])
      expectError(() => b.dropoutForward(1, 0.5, seed, F(1), new Uint8Array(1), F(1)), 'ERR_INVALID_ARG');
  });

  it('optimizer options: missing fields, step 0, missing state buffers are ERR_INVALID_ARG', () => {
    expectError(() => loose(b).sgdStep(1, F(1), F(1), null, 1, { lr: 0.1 }), 'ERR_INVALID_ARG', /momentum/);
    expectError(() => b.sgdStep(1, F(1), F(1), null, 0, SGD), 'ERR_INVALID_ARG', /step/);
    expectError(() => b.sgdStep(1, F(1), F(1), null, 1, { ...SGD, momentum: 0.9 }), 'ERR_INVALID_ARG', /momentumBuf/);
    expectError(
      () =>
        b.adamStep(1, F(1), F(1), F(1), F(1), null, 1, {
          lr: 1,
          beta1: 0.9,
          beta2: 0.99,
          eps: 1e-8,
          weightDecay: 0,
          decoupled: false,
          amsgrad: true,
        }),
      'ERR_INVALID_ARG',
      /vMax/,
    );
    expectError(() => b.setNumThreads(0), 'ERR_INVALID_ARG');
  });

  it('batch-norm training with one value per channel is ERR_SHAPE', () => {
    expectError(() => b.batchNormForward(1, 2, 1, F(2), F(2), F(2), 1e-5, true, F(2), F(2), F(2)), 'ERR_SHAPE');
  });

  it('SharedArrayBuffer-backed arrays work exactly like plain ones', () => {
    const rng = new Rng(61);
    const shared = (a: Float32Array) => {
      const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
      s.set(a);
      return s;
    };
    const A = rng.floats(8),
      B = rng.floats(12),
      C = F(6),
      Cs = shared(F(6));
    b.sgemm(false, false, 2, 3, 4, 1, A, B, 0, C);
    b.sgemm(false, false, 2, 3, 4, 1, shared(A), shared(B), 0, Cs);
    expect(Array.from(Cs)).toEqual(Array.from(C));
    const Z = rng.floats(6),
      labels = new Int32Array(new SharedArrayBuffer(8));
    labels.set([2, 0]);
    const p = F(6),
      d = F(6),
      ps = shared(F(6)),
      ds = shared(F(6));
    const loss = b.softmaxCrossEntropy(2, 3, Z, Int32Array.from([2, 0]), p, d);
    expect(b.softmaxCrossEntropy(2, 3, shared(Z), labels, ps, ds)).toBe(loss);
    expect(Array.from(ds)).toEqual(Array.from(d));
    // Partial overlap inside one SharedArrayBuffer is still refused.
    const pool = shared(F(20));
    expectError(() => b.copy(10, pool.subarray(0, 10), pool.subarray(4, 14)), 'ERR_ALIAS');
  });
});
