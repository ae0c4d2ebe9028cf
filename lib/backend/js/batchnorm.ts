/**
 * Batch normalization over X laid out [M][C][S] (samples × channels × positions; S = 1 for dense features).
 * Channel c's values are the M runs X[(i·C + c)·S .. +S). Statistics are exact: two passes (mean, then
 * squared deviations) accumulated in double, biased variance, as PyTorch uses for normalizing.
 */

/** Y = (x − mean)·invStd·gamma + beta; when training, computes and writes mean and invStd = 1/sqrt(var + eps) first. */
export function batchNormForward(
  M: number,
  C: number,
  S: number,
  X: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  training: boolean,
  mean: Float32Array,
  invStd: Float32Array,
  Y: Float32Array,
): void {
  const count = M * S;
  const stride = C * S;
  for (let c = 0; c < C; c++) {
    const first = c * S;
    if (training) {
      let sum = 0;
      for (let i = 0, r = first; i < M; i++, r += stride) for (let s = r; s < r + S; s++) sum += X[s];
      const mu = sum / count;
      let squares = 0;
      for (let i = 0, r = first; i < M; i++, r += stride) {
        for (let s = r; s < r + S; s++) {
          const d = X[s] - mu;
          squares += d * d;
        }
      }
      mean[c] = mu;
      invStd[c] = 1 / Math.sqrt(squares / count + eps);
    }
    // Normalize with the stored (float32) statistics, not the double ones: training and evaluation then
    // compute Y by the same arithmetic, and the backward pass sees exactly the statistics Y was made with.
    const mu = mean[c],
      is = invStd[c],
      g = gamma[c],
      b = beta[c];
    for (let i = 0, r = first; i < M; i++, r += stride) {
      for (let s = r; s < r + S; s++) Y[s] = (X[s] - mu) * is * g + b;
    }
  }
}

/**
 * Training-mode backward, with xhat = (x − mean)·invStd and Nc = M·S:
 * dBeta = Σ dy, dGamma = Σ dy·xhat, dx = gamma·invStd/Nc · (Nc·dy − dBeta − xhat·dGamma).
 */
export function batchNormBackward(
  M: number,
  C: number,
  S: number,
  X: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array,
  dY: Float32Array,
  dX: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const count = M * S;
  const stride = C * S;
  for (let c = 0; c < C; c++) {
    const first = c * S;
    const mu = mean[c],
      is = invStd[c];
    let sumDy = 0,
      sumDyXhat = 0;
    for (let i = 0, r = first; i < M; i++, r += stride) {
      for (let s = r; s < r + S; s++) {
        const dy = dY[s];
        sumDy += dy;
        sumDyXhat += dy * (X[s] - mu) * is;
      }
    }
    dBeta[c] = sumDy;
    dGamma[c] = sumDyXhat;
    if (count === 0) continue;
    const k = (gamma[c] * is) / count;
    for (let i = 0, r = first; i < M; i++, r += stride) {
      for (let s = r; s < r + S; s++) {
        const xhat = (X[s] - mu) * is;
        dX[s] = k * (count * dY[s] - sumDy - xhat * sumDyXhat);
      }
    }
  }
}
