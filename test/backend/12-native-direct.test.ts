/**
 * The addon called directly, bypassing lib/'s TypeScript checks (anyone can require the .node file):
 * wrong types, short buffers and huge sizes must throw the library's error, never crash the process.
 * Nothing is spawned: a crash here kills this test process, which fails the run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NeuroblasError } from '../../lib/index.js';
import { loadAddon, type RawAddon } from '../helpers/addon.js';
import { backendNames } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

const F = (n: number) => new Float32Array(n);
const BIG = 2 ** 31 - 1;
/** Exports that take no kernel arguments. */
const NOT_KERNELS = new Set(['setErrorClass', 'openblasInfo', 'getNumThreads']);

describe.skipIf(!backendNames.includes('native'))('native addon called directly', () => {
  let addon: RawAddon;
  const raw = () => {
    if (!addon) {
      addon = loadAddon();
      threadsBefore = addon.getNumThreads();
    }
    return addon;
  };
  let threadsBefore: unknown;
  // The fuzzing below may hand setNumThreads odd values; leave OpenBLAS as it was found.
  afterAll(() => {
    if (addon && typeof threadsBefore === 'number') addon.setNumThreads(threadsBefore);
  });
  const kernels = () => Object.keys(raw()).filter((k) => typeof raw()[k] === 'function' && !NOT_KERNELS.has(k));

  it('exports a function for every kernel of the contract', () => {
    const want = [
      'sgemm',
      'biasAdd',
      'colSum',
      'denseForward',
      'denseBackward',
      'activationForward',
      'activationBackward',
      'softmaxForward',
      'softmaxBackward',
      'softmaxCrossEntropy',
      'softmaxCrossEntropySoft',
      'sigmoidBce',
      'mse',
      'batchNormForward',
      'batchNormBackward',
      'dropoutForward',
      'dropoutBackward',
      'sgdStep',
      'adamStep',
      'rmspropStep',
      'adagradStep',
      'axpy',
      'scale',
      'fill',
      'copy',
      'mul',
      'sum',
      'setNumThreads',
    ];
    expect(kernels().sort()).toEqual(expect.arrayContaining(want.sort()));
  });

  it('every kernel export called with no arguments throws a NeuroblasError', () => {
    for (const k of kernels()) expect(() => raw()[k](), k).toThrow(NeuroblasError);
  });

  it('every kernel export called with 16 strings throws a NeuroblasError', () => {
    for (const k of kernels()) expect(() => raw()[k](...new Array(16).fill('1')), k).toThrow(NeuroblasError);
  });

  it('every kernel export called with huge sizes and one-element buffers in every position throws, never crashes', () => {
    // Without knowing each export's layout, try each position as a size of 2^31 − 1 with every other argument
    // a tiny buffer or a small number: whatever the layout, no call may read or write out of bounds.
    const fillers: unknown[] = [F(1), new Int32Array(1), new Uint8Array(1), 1, false];
    for (const k of kernels()) {
      for (let count = 1; count <= 16; count++) {
        for (const filler of fillers) {
          const args = new Array(count).fill(filler);
          args[0] = BIG;
          try {
            raw()[k](...args);
          } catch (e) {
            expect(e, `${k} with ${count} args`).toBeInstanceOf(NeuroblasError);
          }
        }
      }
    }
  });

  it('a seeded fuzz of 4000 mixed-argument calls: every failure is a NeuroblasError, the process survives', () => {
    const rng = new Rng(81);
    const pool = (): unknown => {
      const choices = [
        () => F(rng.int(4)),
        () => new Int32Array(2).fill(99),
        () => new Uint8Array(3),
        () => new Float64Array(4),
        () => rng.int(4),
        () => BIG,
        () => 2 ** 31,
        () => -1,
        () => NaN,
        () => Infinity,
        () => 0.5,
        () => true,
        () => null,
        () => undefined,
        () => 'x',
        () => ({}),
        () => [1, 2, 3],
        () => {
          const a = F(4);
          structuredClone(a.buffer, { transfer: [a.buffer] });
          return a;
        },
      ];
      return choices[rng.int(choices.length)]();
    };
    const names = kernels().filter((k) => k !== 'setNumThreads');
    const others: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const k = names[rng.int(names.length)],
        args = Array.from({ length: 1 + rng.int(16) }, pool);
      try {
        raw()[k](...args);
      } catch (e) {
        if (!(e instanceof NeuroblasError)) others.push(`${k}(${args.map(String).join(', ')}) threw ${String(e)}`);
      }
    }
    expect(others).toEqual([]);
  });

  describe("sgemm, whose layout is the contract's", () => {
    const sgemm =
      (...args: unknown[]) =>
      () =>
        raw().sgemm(...args);

    it('wrong types: ERR_INVALID_ARG', () => {
      expectError(sgemm(false, false, 2, 3, 4, 1, 8, F(12), 0, F(6)), 'ERR_INVALID_ARG');
      expectError(sgemm(false, false, 2, 3, 4, 1, new Float64Array(8), F(12), 0, F(6)), 'ERR_INVALID_ARG');
      expectError(sgemm(false, false, '2', 3, 4, 1, F(8), F(12), 0, F(6)), 'ERR_INVALID_ARG');
      expectError(sgemm(0, false, 2, 3, 4, 1, F(8), F(12), 0, F(6)), 'ERR_INVALID_ARG');
      expectError(sgemm(false, false, 2, 3, 4, 1, F(8), F(12), 0), 'ERR_INVALID_ARG');
    });

    it('bad sizes: negative, fractional, NaN → ERR_INVALID_ARG; > 2^31 − 1 → ERR_OVERFLOW', () => {
      for (const v of [-1, 1.5, NaN, Infinity]) expectError(sgemm(false, false, v, 3, 4, 1, F(8), F(12), 0, F(6)), 'ERR_INVALID_ARG');
      for (const v of [2 ** 31, 2 ** 53]) expectError(sgemm(false, false, 2, v, 4, 1, F(8), F(12), 0, F(6)), 'ERR_OVERFLOW');
    });

    it('huge sizes with short buffers: ERR_SHAPE, never an out-of-bounds access', () => {
      expectError(sgemm(false, false, BIG, BIG, BIG, 1, F(8), F(12), 0, F(6)), 'ERR_SHAPE');
      expectError(sgemm(true, true, 1, BIG, 1, 1, F(1), F(1), 0, F(1)), 'ERR_SHAPE');
      expectError(sgemm(false, false, 2, 3, 4, 1, F(8), F(12), 0, F(5)), 'ERR_SHAPE', /\bC\b/);
    });

    it('detached buffers: ERR_DETACHED', () => {
      const a = F(8);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      expectError(sgemm(false, false, 2, 3, 4, 1, a, F(12), 0, F(6)), 'ERR_DETACHED');
    });

    it('and a valid direct call computes the product', () => {
      const C = F(1);
      raw().sgemm(false, false, 1, 1, 2, 1, Float32Array.from([1, 2]), Float32Array.from([3, 4]), 0, C);
      expect(C[0]).toBe(11);
    });
  });

  it('softmaxCrossEntropy labels out of range are ERR_LABEL in C++ too (never an out-of-bounds read)', () => {
    expectError(() => raw().softmaxCrossEntropy(2, 3, F(6), Int32Array.from([0, 3]), F(6), F(6)), 'ERR_LABEL');
    expectError(() => raw().softmaxCrossEntropy(2, 3, F(6), Int32Array.from([-1, 0]), F(6), F(6)), 'ERR_LABEL');
    expectError(() => raw().softmaxCrossEntropy(2, 3, F(6), Int32Array.from([2 ** 31 - 1, 0]), F(6), F(6)), 'ERR_LABEL');
  });

  it('batch-norm sizes whose product overflows 64-bit-safe ranges: an error, not a crash', () => {
    expect(() => raw().batchNormForward(BIG, BIG, BIG, F(1), F(1), F(1), 1e-5, true, F(1), F(1), F(1))).toThrow(NeuroblasError);
  });
});
