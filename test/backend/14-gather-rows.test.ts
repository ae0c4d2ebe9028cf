/**
 * gatherRows: a shuffled batch's rows in one crossing (the training loop's batch copy). Both backends against the
 * obvious loop, on odd sizes; an index outside src is refused before any copy, by the checks and by the addon itself.
 */
import { describe, expect, it } from 'vitest';
import { backendNames, backends } from '../helpers/backends.js';
import { loadAddon } from '../helpers/addon.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

describe.each(backends)('gatherRows ($name)', (b) => {
  const rows = 37,
    width = 13; // odd sizes: no vector width divides them
  const src = new Rng(7).floats(rows * width);

  it('copies row index[i] of src into row i of dst, only the first n rows, repeats and all', () => {
    const index = Int32Array.from([36, 0, 5, 5, 17, 1, 36]);
    const n = index.length;
    const dst = new Float32Array((n + 1) * width).fill(-2);
    b.gatherRows(n, width, rows, src, index, dst);
    const want = Array.from(index).flatMap((r) => Array.from(src.subarray(r * width, (r + 1) * width)));
    expect(Array.from(dst.subarray(0, n * width))).toEqual(want);
    expect(Array.from(dst.subarray(n * width))).toEqual(new Array(width).fill(-2));
  });

  it('copies NaN and ±Infinity as they are (the data was checked before training)', () => {
    const s = new Float32Array([NaN, Infinity, -Infinity, 1]);
    const dst = new Float32Array(4);
    b.gatherRows(2, 2, 2, s, Int32Array.from([1, 0]), dst);
    expect(Array.from(dst)).toEqual([-Infinity, 1, NaN, Infinity]);
  });

  it('an index outside src is ERR_INVALID_ARG naming it, and dst is untouched', () => {
    const dst = new Float32Array(2 * width).fill(9);
    expectError(
      () => b.gatherRows(2, width, rows, src, Int32Array.from([3, rows]), dst),
      'ERR_INVALID_ARG',
      /index\[1\] = 37 is outside \[0, 37\)/,
    );
    expectError(() => b.gatherRows(2, width, rows, src, Int32Array.from([-1, 0]), dst), 'ERR_INVALID_ARG', /index\[0\] = -1/);
    expect(dst.every((v) => v === 9)).toBe(true);
  });
});

describe.skipIf(!backendNames.includes('native'))('gatherRows called on the addon directly', () => {
  it('refuses an index outside src itself, before copying (a crafted index cannot read past the dataset)', () => {
    const addon = loadAddon();
    const dst = new Float32Array(4).fill(9);
    expectError(() => addon.gatherRows(2, 2, 2, new Float32Array(4), Int32Array.from([0, 1 << 30]), dst), 'ERR_INVALID_ARG', /index\[1\]/);
    expect(Array.from(dst)).toEqual([9, 9, 9, 9]);
  });
});
