/**
 * Elementwise helpers for the graph. Plain indexed loops rather than TypedArray.set/subarray: subarray
 * allocates a view object per call, and V8 compiles these loops to tight code anyway.
 */

/** Y += alpha·X. */
export function axpy(n: number, alpha: number, X: Float32Array, Y: Float32Array): void {
  for (let i = 0; i < n; i++) Y[i] += alpha * X[i];
}

/** X *= alpha. */
export function scale(n: number, alpha: number, X: Float32Array): void {
  for (let i = 0; i < n; i++) X[i] *= alpha;
}

/** X += value, with value rounded to float32 first, as the native kernel takes it. */
export function addScalar(n: number, value: number, X: Float32Array): void {
  const v = Math.fround(value);
  for (let i = 0; i < n; i++) X[i] += v;
}

/** X = value (fill takes a range, so it needs no view). */
export function fill(n: number, value: number, X: Float32Array): void {
  X.fill(value, 0, n);
}

/** Y = X. */
export function copy(n: number, X: Float32Array, Y: Float32Array): void {
  if (X === Y) return;
  for (let i = 0; i < n; i++) Y[i] = X[i];
}

/** Z = X ⊙ Y. */
export function mul(n: number, X: Float32Array, Y: Float32Array, Z: Float32Array): void {
  for (let i = 0; i < n; i++) Z[i] = X[i] * Y[i];
}

/** Σ X, accumulated in double. */
export function sum(n: number, X: Float32Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += X[i];
  return s;
}
