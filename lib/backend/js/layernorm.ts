/**
 * Layer normalization over the last dimension: each of M rows of N values is normalized by its own mean and biased
 * variance (two passes in double), the specification of native/layernorm.cc. The per-column sums of the backward
 * (dGamma, dBeta) run over the rows in order, in double, so both backends add the same terms in the same order.
 */

/** mean[r], invStd[r] = 1/sqrt(var + eps) per row, then Y = (X − mean)·invStd·gamma + beta with the stored statistics. */
export function layerNormForward(
  M: number,
  N: number,
  X: Float32Array,
  gamma: Float32Array | null,
  beta: Float32Array | null,
  eps: number,
  mean: Float32Array,
  invStd: Float32Array,
  Y: Float32Array,
): void {
  for (let r = 0; r < M; r++) {
    const first = r * N,
      end = first + N;
    let sum = 0;
    for (let i = first; i < end; i++) sum += X[i];
    const mu = sum / N;
    let squares = 0;
    for (let i = first; i < end; i++) {
      const d = X[i] - mu;
      squares += d * d;
    }
    mean[r] = mu;
    invStd[r] = 1 / Math.sqrt(squares / N + eps);
    // Normalized with the stored (float32) statistics, which the backward pass sees too.
    const m = mean[r],
      s = invStd[r];
    for (let j = 0; j < N; j++) {
      const xhat = (X[first + j] - m) * s;
      Y[first + j] = xhat * (gamma === null ? 1 : gamma[j]) + (beta === null ? 0 : beta[j]);
    }
  }
}

export function layerNormBackward(
  M: number,
  N: number,
  X: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array | null,
  dY: Float32Array,
  dX: Float32Array | null,
  dGamma: Float32Array | null,
  dBeta: Float32Array | null,
): void {
  // Column sums first: dX may be dY itself.
  for (let j = 0; j < N; j++) {
    let sg = 0,
      sb = 0;
    for (let r = 0, i = j; r < M; r++, i += N) {
      sg += dY[i] * ((X[i] - mean[r]) * invStd[r]);
      sb += dY[i];
    }
    if (dGamma !== null) dGamma[j] = sg;
    if (dBeta !== null) dBeta[j] = sb;
  }
  if (dX === null || N === 0) return;
  for (let r = 0; r < M; r++) {
    const first = r * N;
    const m = mean[r],
      s = invStd[r];
    let a = 0,
      b = 0;
    for (let j = 0; j < N; j++) {
      const g = dY[first + j] * (gamma === null ? 1 : gamma[j]);
      a += g;
      b += g * ((X[first + j] - m) * s);
    }
    a /= N;
    b /= N;
    for (let j = 0; j < N; j++) {
      const g = dY[first + j] * (gamma === null ? 1 : gamma[j]);
      dX[first + j] = s * (g - a - (X[first + j] - m) * s * b);
    }
  }
}
