/**
 * Row-wise softmax of an M×N matrix and its backward. Each row is shifted by its maximum before exp, so
 * logits of any magnitude give finite probabilities. Y may be X itself, which is why the exponentials are
 * stored into Y and scaled afterwards rather than recomputed from X (one exp per element, too).
 */
export function softmaxForward(M: number, N: number, X: Float32Array, Y: Float32Array): void {
  const end = M * N;
  for (let r = 0; r < end; r += N) {
    const s = exponentiateRow(X, r, N, rowMaximum(X, r, N), Y);
    const inv = 1 / s;
    for (let j = r; j < r + N; j++) Y[j] *= inv;
  }
}

/** The largest value of row [r, r+N); NaNs are skipped here and propagate through exp instead. */
export function rowMaximum(X: Float32Array, r: number, N: number): number {
  let m = -Infinity;
  for (let j = r; j < r + N; j++) if (X[j] > m) m = X[j];
  return m;
}

/** Writes exp(x − m) for row [r, r+N) of X into the same places of E and returns their sum, taken in double:
 *  the first half of softmax, shared with the softmax losses. */
export function exponentiateRow(X: Float32Array, r: number, N: number, m: number, E: Float32Array): number {
  let s = 0;
  for (let j = r; j < r + N; j++) {
    const e = Math.exp(X[j] - m);
    E[j] = e;
    s += e;
  }
  return s;
}

/** dX = Y ⊙ (dY − Σ_j dY·Y) per row; dX may be dY itself (the row's dot product is taken first). */
export function softmaxBackward(M: number, N: number, Y: Float32Array, dY: Float32Array, dX: Float32Array): void {
  const end = M * N;
  for (let r = 0; r < end; r += N) {
    let dot = 0;
    for (let j = r; j < r + N; j++) dot += dY[j] * Y[j];
    for (let j = r; j < r + N; j++) dX[j] = Y[j] * (dY[j] - dot);
  }
}

/**
 * Row-wise log-softmax: y = (x − m) − log Σ exp(x − m), m the row's maximum, the sum in double; no exp of a
 * large number and no log of 0 (the maximum's term is 1). A row with a NaN is NaN throughout, as in PyTorch.
 * Y may be X.
 */
export function logSoftmaxForward(M: number, N: number, X: Float32Array, Y: Float32Array): void {
  const end = M * N;
  for (let r = 0; r < end; r += N) {
    let m = -Infinity,
      nan = false;
    for (let j = r; j < r + N; j++) {
      const x = X[j];
      if (x > m) m = x;
      else if (Number.isNaN(x)) nan = true;
    }
    if (nan) m = Number.NaN;
    let s = 0;
    for (let j = r; j < r + N; j++) s += Math.exp(X[j] - m);
    // (x − m) − log s, not x − (m + log s): m + log s would lose log s beside a huge m.
    const logS = Math.log(s);
    for (let j = r; j < r + N; j++) Y[j] = X[j] - m - logS;
  }
}

/** dX = dY − exp(Y)·Σ_j dY per row (softmax = exp(Y)); dX may be dY itself (the row's sum is taken first). */
export function logSoftmaxBackward(M: number, N: number, Y: Float32Array, dY: Float32Array, dX: Float32Array): void {
  const end = M * N;
  for (let r = 0; r < end; r += N) {
    let sum = 0;
    for (let j = r; j < r + N; j++) sum += dY[j];
    for (let j = r; j < r + N; j++) dX[j] = dY[j] - Math.exp(Y[j]) * sum;
  }
}
