/**
 * Loss ops: each is ONE fused kernel call forward that also writes d(loss)/d(input), kept for backward,
 * which then only scales it by the incoming gradient (1 when the loss is the root). The output is a
 * scalar tensor. Targets never receive gradients. Argument checks that name the loss are in lib/losses.ts.
 */
import type { Backend } from '../backend/contract.js';
import { claimGrad, needsGrad, record } from '../graph.js';
import { Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { allocF32, type Workspace } from './workspace.js';

/** Adds g·d (the saved d loss / d input) into x's gradient. */
function addScaledGrad(be: Backend, x: Tensor, g: number, d: Float32Array): void {
  const n = x.size;
  if (claimGrad(x)) {
    be.copy(n, d, x.grad!);
    if (g !== 1) be.scale(n, g, x.grad!);
  } else be.axpy(n, g, d, x.grad!);
}

function lossOutput(op: string, x: Tensor, value: number, dInput: Float32Array, be: Backend, ws?: Workspace): Tensor {
  const out = new Tensor(allocF32(ws, `${op}.loss`, 1), []);
  out.data[0] = value;
  if (!needsGrad(x)) return out;
  return record(out, op, [x], () => addScaledGrad(be, x, out.grad![0], dInput), ws?.f32(`${op}.loss-grad`, 1));
}

/** Mean cross-entropy of softmax(logits) against integer labels; logits [M, N], labels M values in [0, N). */
export function softmaxCrossEntropyOp(logits: Tensor, labels: Int32Array, ws?: Workspace): Tensor {
  const be = currentBackend();
  const N = logits.shape[logits.shape.length - 1];
  const M = N === 0 ? 0 : logits.size / N;
  const probs = allocF32(ws, 'sce.probs', logits.size);
  const d = allocF32(ws, 'sce.d', logits.size);
  const loss = be.softmaxCrossEntropy(M, N, logits.data, labels, probs, d);
  return lossOutput('softmaxCrossEntropy', logits, loss, d, be, ws);
}

/** The same against a probability (or one-hot) target per row. */
export function softmaxCrossEntropySoftOp(logits: Tensor, targets: Float32Array, ws?: Workspace): Tensor {
  const be = currentBackend();
  const N = logits.shape[logits.shape.length - 1];
  const M = N === 0 ? 0 : logits.size / N;
  const probs = allocF32(ws, 'sces.probs', logits.size);
  const d = allocF32(ws, 'sces.d', logits.size);
  const loss = be.softmaxCrossEntropySoft(M, N, logits.data, targets, probs, d);
  return lossOutput('softmaxCrossEntropySoft', logits, loss, d, be, ws);
}

/** Binary cross-entropy on logits, mean over every element. */
export function sigmoidBceOp(logits: Tensor, targets: Float32Array, ws?: Workspace): Tensor {
  const be = currentBackend();
  const d = allocF32(ws, 'bce.d', logits.size);
  const loss = be.sigmoidBce(logits.size, logits.data, targets, d);
  return lossOutput('bceWithLogits', logits, loss, d, be, ws);
}

/** Mean squared error over every element. */
export function mseOp(pred: Tensor, target: Float32Array, ws?: Workspace): Tensor {
  const be = currentBackend();
  const d = allocF32(ws, 'mse.d', pred.size);
  const loss = be.mse(pred.size, pred.data, target, d);
  return lossOutput('mse', pred, loss, d, be, ws);
}

/**
 * λ/2·Σ‖W‖² over the given weights (the L2 penalty with the ½ that makes its gradient λ·W; pass weights only, not biases).
 * Forward: per weight a square (mul) and a double-accumulated sum; backward: dW += g·λ·W (one axpy).
 */
export function l2PenaltyOp(weights: readonly Tensor[], lambda: number, ws?: Workspace): Tensor {
  const be = currentBackend();
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    const sq = allocF32(ws, `l2.sq${i}`, w.size);
    be.mul(w.size, w.data, w.data, sq);
    total += be.sum(w.size, sq);
  }
  const out = new Tensor(allocF32(ws, 'l2.loss', 1), []);
  out.data[0] = 0.5 * lambda * total;
  if (!needsGrad(...weights)) return out;
  return record(
    out,
    'l2Penalty',
    [...weights],
    () => {
      const g = out.grad![0] * lambda;
      for (const w of weights) {
        if (!w.requiresGrad) continue;
        if (claimGrad(w)) be.fill(w.size, 0, w.grad!);
        be.axpy(w.size, g, w.data, w.grad!);
      }
    },
    ws?.f32('l2.loss-grad', 1),
  );
}

/** The smooth-L1 family, mean over every element: beta 0 is L1, scale 1 smooth L1 (beta), scale = beta = delta Huber. */
export function smoothL1Op(op: string, pred: Tensor, target: Float32Array, beta: number, scale: number, ws?: Workspace): Tensor {
  const be = currentBackend();
  const d = allocF32(ws, `${op}.d`, pred.size);
  const loss = be.smoothL1(pred.size, beta, scale, pred.data, target, d);
  return lossOutput(op, pred, loss, d, be, ws);
}

/** Cross-entropy against integer labels with label smoothing and a weight per class (weights: N values). */
export function softmaxCrossEntropyWeightedOp(
  logits: Tensor,
  labels: Int32Array,
  smoothing: number,
  weights: Float32Array,
  ws?: Workspace,
): Tensor {
  const be = currentBackend();
  const N = logits.shape[logits.shape.length - 1];
  const M = N === 0 ? 0 : logits.size / N;
  const probs = allocF32(ws, 'scew.probs', logits.size);
  const d = allocF32(ws, 'scew.d', logits.size);
  const loss = be.softmaxCrossEntropyWeighted(M, N, smoothing, logits.data, labels, weights, probs, d);
  return lossOutput('softmaxCrossEntropyWeighted', logits, loss, d, be, ws);
}

/** KL divergence of log-probabilities against probabilities, summed and divided by the batch size M (rows of N). */
export function klDivOp(input: Tensor, target: Float32Array, M: number, ws?: Workspace): Tensor {
  const be = currentBackend();
  const N = M === 0 ? 0 : input.size / M;
  const d = allocF32(ws, 'kl.d', input.size);
  const loss = be.klDivBatchmean(M, N, input.data, target, d);
  return lossOutput('klDiv', input, loss, d, be, ws);
}

/** Binary cross-entropy on logits with a positive-class weight per last-axis column (posWeight: N values). */
export function sigmoidBceWeightedOp(logits: Tensor, targets: Float32Array, posWeight: Float32Array, ws?: Workspace): Tensor {
  const be = currentBackend();
  const N = posWeight.length;
  const M = N === 0 ? 0 : logits.size / N;
  const d = allocF32(ws, 'bcew.d', logits.size);
  const loss = be.sigmoidBceWeighted(M, N, logits.data, targets, posWeight, d);
  return lossOutput('bceWithLogits', logits, loss, d, be, ws);
}
