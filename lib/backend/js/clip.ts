/**
 * Gradient clipping's two passes, the specification of native/clip.cc: the norm's part of one tensor (one pass
 * over it), and clamping by value. NaN is never hidden: it makes the sum (and the max) NaN, and clamp keeps it.
 */

/** Σ|X|^p in double for a finite p > 0, max |X| for p = ∞; NaN as soon as an element is NaN. */
export function powerSum(n: number, p: number, X: Float32Array): number {
  if (p === Infinity) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(X[i]);
      if (a > m || Number.isNaN(a)) m = a;
      if (Number.isNaN(m)) return NaN;
    }
    return m;
  }
  let s = 0;
  if (p === 2) for (let i = 0; i < n; i++) s += X[i] * X[i];
  else if (p === 1) for (let i = 0; i < n; i++) s += Math.abs(X[i]);
  else for (let i = 0; i < n; i++) s += Math.abs(X[i]) ** p;
  return s;
}

/** X = min(max(X, lo), hi), NaN left as it is (torch.clamp propagates it). */
export function clamp(n: number, lo: number, hi: number, X: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = X[i];
    if (v < lo) X[i] = lo;
    else if (v > hi) X[i] = hi;
  }
}
