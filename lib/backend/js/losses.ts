/**
 * Loss functions fused with their gradients: each returns the mean loss (accumulated in double) and writes
 * d(mean loss)/d(input) in the same pass. Definitions follow PyTorch (CrossEntropyLoss, BCEWithLogitsLoss,
 * MSELoss, all with reduction 'mean'); an empty batch has loss 0.
 */
import { sigmoid } from './activations.js';
import { exponentiateRow, rowMaximum } from './softmax.js';

/** Softmax cross-entropy with integer labels: loss_i = logsumexp(z_i) − z_i[label]; dLogits = (p − onehot)/M. */
export function softmaxCrossEntropy(
  M: number,
  N: number,
  logits: Float32Array,
  labels: Int32Array,
  probs: Float32Array,
  dLogits: Float32Array,
): number {
  if (M === 0) return 0;
  const invM = 1 / M;
  let total = 0;
  for (let i = 0, r = 0; i < M; i++, r += N) {
    const m = rowMaximum(logits, r, N);
    const s = exponentiateRow(logits, r, N, m, probs);
    const label = r + labels[i];
    // log-sum-exp from the shifted sum: never overflows, and exact for the largest logit.
    total += m + Math.log(s) - logits[label];
    const inv = 1 / s;
    for (let j = r; j < r + N; j++) {
      const p = probs[j] * inv;
      probs[j] = p;
      dLogits[j] = (j === label ? p - 1 : p) * invM;
    }
  }
  return total / M;
}

/** Cross-entropy against a target distribution per row: loss_i = Σ_j t_ij·(lse_i − z_ij); dLogits = (p·Σ_j t_ij − t)/M.
 *  The Σ t factor keeps the gradient exact for targets that do not sum to one (PyTorch's definition). */
export function softmaxCrossEntropySoft(
  M: number,
  N: number,
  logits: Float32Array,
  targets: Float32Array,
  probs: Float32Array,
  dLogits: Float32Array,
): number {
  if (M === 0) return 0;
  const invM = 1 / M;
  let total = 0;
  for (let r = 0; r < M * N; r += N) {
    const m = rowMaximum(logits, r, N);
    const s = exponentiateRow(logits, r, N, m, probs);
    const lse = m + Math.log(s);
    let targetSum = 0;
    for (let j = r; j < r + N; j++) {
      const t = targets[j];
      targetSum += t;
      total += t * (lse - logits[j]);
    }
    const inv = 1 / s;
    for (let j = r; j < r + N; j++) {
      const p = probs[j] * inv;
      probs[j] = p;
      dLogits[j] = (p * targetSum - targets[j]) * invM;
    }
  }
  return total / M;
}

/** Binary cross-entropy on logits, in the overflow-free form max(x,0) − x·t + log1p(e^−|x|); dLogits = (σ(x) − t)/n.
 *  dLogits may be logits itself (each element is read before it is written). */
export function sigmoidBce(n: number, logits: Float32Array, targets: Float32Array, dLogits: Float32Array): number {
  if (n === 0) return 0;
  const invN = 1 / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i],
      t = targets[i];
    total += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    dLogits[i] = (sigmoid(x) - t) * invN;
  }
  return total / n;
}

/** Mean squared error: mean (p − t)²; dPred = 2(p − t)/n. dPred may be pred itself. */
export function mse(n: number, pred: Float32Array, target: Float32Array, dPred: Float32Array): number {
  if (n === 0) return 0;
  const scale = 2 / n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i] - target[i];
    total += d * d;
    dPred[i] = d * scale;
  }
  return total / n;
}
