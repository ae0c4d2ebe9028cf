/**
 * Inverted dropout with a counter-based mask: element i is kept iff a hash of (seed, i) falls below
 * keep·2^24. No generator state, so the mask depends only on (seed, i) — bit-identical on every backend,
 * any thread split, and reproducible from the seed alone. Kept values are scaled by 1/keep so the
 * expected output equals the input.
 */

/** The 32-bit hash of element i under seed (a multiply-xorshift finalizer of i·golden-ratio ⊕ seed). Exported for tests. */
export function dropoutHash(seed: number, i: number): number {
  let x = (Math.imul(i, 0x9e3779b9) ^ seed) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97) >>> 0;
  x ^= x >>> 15;
  return x >>> 0;
}

/** Elements whose hash's top 24 bits are below this are kept. */
export function keepThreshold(keep: number): number {
  return Math.floor(keep * 16777216);
}

/** The float32 scale 1/keep: computed in double, then rounded, so the product x·scale (exact in double, rounded
 *  on store) is bit-identical to the native float multiply. */
function keepScale(keep: number): number {
  return Math.fround(1 / keep);
}

export function dropoutForward(n: number, keep: number, seed: number, X: Float32Array, mask: Uint8Array, Y: Float32Array): void {
  const threshold = keepThreshold(keep);
  const scale = keepScale(keep);
  for (let i = 0; i < n; i++) {
    const kept = dropoutHash(seed, i) >>> 8 < threshold;
    mask[i] = kept ? 1 : 0;
    Y[i] = kept ? X[i] * scale : 0;
  }
}

export function dropoutBackward(n: number, keep: number, mask: Uint8Array, dY: Float32Array, dX: Float32Array): void {
  const scale = keepScale(keep);
  for (let i = 0; i < n; i++) dX[i] = mask[i] !== 0 ? dY[i] * scale : 0;
}
