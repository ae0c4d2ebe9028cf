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

/**
 * The smooth-L1 family, mean over n elements of scale·h(p − t) with h(d) = ½d²/beta when |d| < beta, else
 * |d| − ½beta; dPred = scale·h′(d)/n. beta 0 is L1 (mean |p − t|, gradient sign(d)/n, 0 at d = 0), scale 1 is
 * PyTorch's SmoothL1Loss(beta), scale = beta = delta its HuberLoss(delta). A NaN difference gives a NaN loss and
 * gradient. dPred may be pred itself.
 */
export function smoothL1(n: number, beta: number, scale: number, pred: Float32Array, target: Float32Array, dPred: Float32Array): number {
  if (n === 0) return 0;
  const invN = 1 / n;
  const halfBeta = 0.5 * beta;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i] - target[i];
    const a = Math.abs(d);
    if (a < beta) {
      total += (0.5 * d * d) / beta;
      dPred[i] = ((scale * d) / beta) * invN;
    } else {
      total += a - halfBeta;
      dPred[i] = scale * Math.sign(d) * invN;
    }
  }
  return (scale * total) / n;
}

/**
 * Softmax cross-entropy with integer labels, label smoothing ε and a weight per class (PyTorch's
 * cross_entropy(weight, label_smoothing), reduction 'mean'): row i adds (1 − ε)·w[y_i]·(lse_i − z_i[y_i]) +
 * (ε/N)·Σ_j w_j·(lse_i − z_ij), and the sum is divided by W = Σ_i w[y_i], the weights of the rows' labels (W = M
 * for unit weights). dLogits = (p·((1 − ε)·w[y] + (ε/N)·Σw) − (1 − ε)·w[y]·onehot − (ε/N)·w)/W.
 */
export function softmaxCrossEntropyWeighted(
  M: number,
  N: number,
  smoothing: number,
  logits: Float32Array,
  labels: Int32Array,
  weights: Float32Array,
  probs: Float32Array,
  dLogits: Float32Array,
): number {
  if (M === 0) return 0;
  const keep = 1 - smoothing;
  const spread = smoothing / N;
  let weightSum = 0;
  for (let j = 0; j < N; j++) weightSum += weights[j];
  let W = 0;
  for (let i = 0; i < M; i++) W += weights[labels[i]];
  const invW = 1 / W;
  let total = 0;
  for (let i = 0, r = 0; i < M; i++, r += N) {
    const m = rowMaximum(logits, r, N);
    const s = exponentiateRow(logits, r, N, m, probs);
    const lse = m + Math.log(s);
    const label = r + labels[i];
    const wy = weights[labels[i]];
    let smooth = 0;
    if (spread !== 0) for (let j = 0; j < N; j++) smooth += weights[j] * (lse - logits[r + j]);
    total += keep * wy * (lse - logits[label]) + spread * smooth;
    const pScale = keep * wy + spread * weightSum;
    const inv = 1 / s;
    for (let j = 0; j < N; j++) {
      const p = probs[r + j] * inv;
      probs[r + j] = p;
      let g = p * pScale - spread * weights[j];
      if (r + j === label) g -= keep * wy;
      dLogits[r + j] = g * invW;
    }
  }
  return total * invW;
}

/**
 * KL divergence with log-probability input and probability target, reduction 'batchmean' (PyTorch's
 * kl_div(input, target, reduction='batchmean')): Σ t·(log t − x) / M over M rows of N, a zero target adding 0;
 * dInput = −t/M. dInput may be input itself.
 */
export function klDivBatchmean(M: number, N: number, input: Float32Array, target: Float32Array, dInput: Float32Array): number {
  if (M === 0) return 0;
  const invM = 1 / M;
  let total = 0;
  for (let i = 0; i < M * N; i++) {
    const t = target[i];
    // xlogy(t, t) − t·x: 0·log 0 is 0, a NaN target stays NaN.
    total += (t === 0 ? 0 : t * Math.log(t)) - t * input[i];
    dInput[i] = -t * invM;
  }
  return total * invM;
}

/**
 * Binary cross-entropy on logits with a positive-class weight per column (PyTorch's
 * binary_cross_entropy_with_logits(pos_weight)), mean over M·N elements: (1 − t)·x + (1 + (w − 1)·t)·softplus(−x),
 * w = posWeight[j] for column j; dLogits = ((1 − t) − (1 + (w − 1)·t)·σ(−x))/(M·N). dLogits may be logits itself.
 */
export function sigmoidBceWeighted(
  M: number,
  N: number,
  logits: Float32Array,
  targets: Float32Array,
  posWeight: Float32Array,
  dLogits: Float32Array,
): number {
  const n = M * N;
  if (n === 0) return 0;
  const invN = 1 / n;
  let total = 0;
  for (let i = 0, j = 0; i < n; i++, j = j + 1 === N ? 0 : j + 1) {
    const x = logits[i],
      t = targets[i];
    const lw = 1 + (posWeight[j] - 1) * t;
    // softplus(−x) = max(−x, 0) + log1p(e^−|x|), overflow-free.
    total += (1 - t) * x + lw * (Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
    dLogits[i] = (1 - t - lw * sigmoid(-x)) * invN;
  }
  return total * invN;
}
