/**
 * gatherByteRows: a batch of byte inputs (ByteTensor) gathered and converted to float in one crossing. Both backends
 * against the obvious loop written here (each value src · scale in double, rounded once to float32), bit for bit, on
 * odd sizes and widths past any vector length; with scale 1/255 every byte gives exactly Math.fround(byte / 255), the
 * float loaders' value; a bad index or scale is refused before any write.
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { backendNames, backends } from '../helpers/backends.js';
import { loadAddon } from '../helpers/addon.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

function randomBytes(rng: Rng, n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.int(256);
  return a;
}

/** The definition, written out: row i of dst is row index[i] of src, each value Math.fround(byte · scale). */
function expected(width: number, src: Uint8Array, index: Int32Array, scale: number): number[] {
  const out: number[] = [];
  for (const r of index) for (let j = 0; j < width; j++) out.push(Math.fround(src[r * width + j] * scale));
  return out;
}

describe.each(backends)('gatherByteRows ($name)', (b) => {
  const rng = new Rng(11);

  it.each([
    [37, 13, 1 / 255],
    [9, 67, 0.37], // 67: a vector body and a tail for every width up to AVX-512's 16 floats
    [5, 1, 3.3e-5],
    [4, 131, 1e30],
  ])('rows %i of width %i times %f: the definition, bit for bit, only the first n rows written', (rows, width, scale) => {
    const src = randomBytes(rng, rows * width);
    const index = Int32Array.from({ length: 2 * rows + 1 }, () => rng.int(rows));
    const n = index.length;
    const dst = new Float32Array((n + 1) * width).fill(-2);
    b.gatherByteRows(n, width, rows, src, index, scale, dst);
    expect(Array.from(dst.subarray(0, n * width))).toEqual(expected(width, src, index, scale));
    expect(Array.from(dst.subarray(n * width))).toEqual(new Array(width).fill(-2));
  });

  it('with scale 1/255, every byte becomes exactly the float loaders’ Math.fround(byte / 255)', () => {
    const src = Uint8Array.from({ length: 256 }, (_, i) => i);
    const dst = new Float32Array(256);
    b.gatherByteRows(1, 256, 1, src, Int32Array.from([0]), 1 / 255, dst);
    expect(Array.from(dst)).toEqual(Array.from(src, (v) => Math.fround(v / 255)));
  });

  it('an index outside src is ERR_INVALID_ARG naming it, and dst is untouched', () => {
    const dst = new Float32Array(6).fill(9);
    const src = new Uint8Array(6);
    expectError(
      () => b.gatherByteRows(2, 3, 2, src, Int32Array.from([0, 2]), 1, dst),
      'ERR_INVALID_ARG',
      /index\[1\] = 2 is outside \[0, 2\)/,
    );
    expectError(() => b.gatherByteRows(2, 3, 2, src, Int32Array.from([-1, 0]), 1, dst), 'ERR_INVALID_ARG', /index\[0\] = -1/);
    expect(dst.every((v) => v === 9)).toBe(true);
  });

  it.each([0, -1, NaN, Infinity])('scale %f is ERR_INVALID_ARG naming it', (scale) => {
    const dst = new Float32Array(3).fill(9);
    expectError(() => b.gatherByteRows(1, 3, 1, new Uint8Array(3), Int32Array.from([0]), scale, dst), 'ERR_INVALID_ARG', /scale/);
    expect(dst.every((v) => v === 9)).toBe(true);
  });
});

describe.skipIf(!backendNames.includes('native'))('gatherByteRows, native against js', () => {
  it('gives the same bits on a batch the size of a Fashion-MNIST one (128 rows of 784)', () => {
    const rng = new Rng(5);
    const rows = 300,
      width = 784;
    const src = randomBytes(rng, rows * width);
    const index = Int32Array.from({ length: 128 }, () => rng.int(rows));
    const [a, c] = [new Float32Array(128 * width), new Float32Array(128 * width)];
    getBackend('native').gatherByteRows(128, width, rows, src, index, 1 / 255, a);
    getBackend('js').gatherByteRows(128, width, rows, src, index, 1 / 255, c);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(true);
  });

  it('the addon itself refuses an index outside src before copying', () => {
    const addon = loadAddon();
    const dst = new Float32Array(4).fill(9);
    expectError(
      () => addon.gatherByteRows(2, 2, 2, new Uint8Array(4), Int32Array.from([0, 1 << 30]), 1, dst),
      'ERR_INVALID_ARG',
      /index\[1\]/,
    );
    expect(Array.from(dst)).toEqual([9, 9, 9, 9]);
  });
});
