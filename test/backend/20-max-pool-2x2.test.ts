/**
 * Max pooling's 2×2, stride-2, unpadded windows, whose forward pass the native backend runs 8 outputs at a time
 * (native/max-pool-2x2.h), and their backward pass. Against the js backend (the specification), bit for bit: rows of
 * 1 to 10, 16, 17 and 19 outputs (a partial vector, one, one and a part, two and a part), odd heights and widths (a
 * last row or column no window covers), ties, NaN, ±∞ and −0 in X and dY, the last window of the last plane (reads
 * that would run past the arrays), and argmax values made by other means: in their plane but outside their window
 * (scattered where they point) or outside the plane (an error, with the addon's own check: rulesInAddon).
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

const js = getBackend('js'),
  native = getBackend('native');

/** Values with many ties (multiples of 0.5 in [−2, 2]) and some NaN, ±∞ and −0. */
function values(rng: Rng, n: number): Float32Array {
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0];
  return Float32Array.from({ length: n }, () => (rng.int(20) === 0 ? specials[rng.int(4)] : (rng.int(9) - 4) / 2));
}

function pool(be: typeof js, N: number, C: number, H: number, W: number, x: Float32Array, dy: Float32Array) {
  const n = N * C * Math.floor(H / 2) * Math.floor(W / 2);
  const y = new Float32Array(n).fill(7),
    argmax = new Int32Array(n).fill(-1),
    dX = new Float32Array(x.length).fill(7);
  be.maxPool2dForward(N, C, H, W, 2, 2, 0, x, y, argmax);
  be.maxPool2dBackward(N, C, H, W, 2, 2, 0, dy, argmax, dX);
  return { y, argmax, dX };
}

/** Same bits (NaN equal to NaN, −0 not equal to +0). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('2×2 max pooling: native against the js specification', () => {
  const sizes: [number, number][] = [];
  // Rows of 1 to 10 outputs, and 16, 17 and 19 (two vectors, two and a lane, two and a part).
  for (const W of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 32, 35, 39]) sizes.push([W % 3 === 0 ? 3 : 4, W]);
  sizes.push([5, 28], [11, 10], [28, 28]);
  it.each(sizes)('H = %i, W = %i: Y, argmax and dX bit for bit', (H, W) => {
    const rng = new Rng(H * 100 + W);
    const N = 2,
      C = 3;
    const x = values(rng, N * C * H * W),
      dy = values(rng, N * C * Math.floor(H / 2) * Math.floor(W / 2));
    const a = pool(js, N, C, H, W, x, dy),
      b = pool(native, N, C, H, W, x, dy);
    expect(bits(b.y)).toEqual(bits(a.y));
    expect(Array.from(b.argmax)).toEqual(Array.from(a.argmax));
    expect(bits(b.dX)).toEqual(bits(a.dX));
  });

  it('an argmax in its plane but outside its window is scattered where it points, as on js', () => {
    const N = 1,
      C = 2,
      H = 4,
      W = 6;
    const dy = Float32Array.from({ length: N * C * 6 }, (_, i) => i + 1);
    // Plane 0: window 0 names a pixel of window 2, and window 1 the same one; plane 1 stays in its windows.
    const argmax = Int32Array.from([4, 4, 5, 13, 15, 17, 0, 2, 4, 12, 14, 16]);
    const out = [js, native].map((be) => {
      const dX = new Float32Array(N * C * H * W).fill(7);
      be.maxPool2dBackward(N, C, H, W, 2, 2, 0, dy, argmax, dX);
      return dX;
    });
    expect(bits(out[1])).toEqual(bits(out[0]));
    expect(out[1][4]).toBe(1 + 2);
  });

  it.each([
    [-1, /argmax\[5\] = -1/],
    [24, /argmax\[5\] = 24/],
  ])('an argmax of %i, outside its plane, is ERR_INVALID_ARG before anything is written', (bad, message) => {
    for (const be of [js, native]) {
      const argmax = Int32Array.from([0, 2, 4, 12, 14, bad]);
      const dX = new Float32Array(24).fill(7);
      expectError(() => be.maxPool2dBackward(1, 1, 4, 6, 2, 2, 0, new Float32Array(6), argmax, dX), 'ERR_INVALID_ARG', message);
      expect(dX.every((v) => v === 7)).toBe(true);
    }
  });
});
