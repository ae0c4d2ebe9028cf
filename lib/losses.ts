/**
 * The public losses: argument checks that name the loss and the argument (before any work), target
 * conversion, and name lookup for the training loop. The arithmetic is in lib/ops/losses.ts, one fused
 * kernel call per loss.
 */
import { fail } from './errors.js';
import { checkFinite, checkLabels } from './ops/checks.js';
import { l2PenaltyOp, mseOp, sigmoidBceOp, softmaxCrossEntropyOp, softmaxCrossEntropySoftOp } from './ops/losses.js';
import { allocF32, allocI32, type Workspace } from './ops/workspace.js';
import { formatShape, isFloat32Array, isInt32Array, Tensor } from './tensor.js';

/** Targets: a tensor, a Float32Array, or plain numbers. Class labels may also be an Int32Array. */
export type Target = Tensor | Float32Array | Int32Array | ArrayLike<number>;

export interface LossOptions {
  /** Reuse the loss's buffers across batches (the training loop's mode). */
  workspace?: Workspace;
  /** Check targets for NaN/Inf and labels for range (default true; fit may check a whole dataset once instead). */
  checkTargets?: boolean;
}

export type LossFn = (pred: Tensor, target: Target, options?: LossOptions) => Tensor;

function targetValues(t: Target): ArrayLike<number> {
  return t instanceof Tensor ? t.data : t;
}

/** The target as a Float32Array of exactly `n` values, copied only when it is not one already. */
function floatTarget(where: string, t: Target, n: number, o: LossOptions): Float32Array {
  const values = targetValues(t);
  if (values.length !== n) fail('ERR_SHAPE', `${where}: target has ${values.length} elements, the prediction has ${n}`);
  if (o.checkTargets !== false) checkFinite(`${where}: target`, values);
  if (isFloat32Array(values)) return values;
  const out = allocF32(o.workspace, `${where}.target`, n);
  for (let i = 0; i < n; i++) out[i] = values[i];
  return out;
}

function checkPrediction(where: string, pred: Tensor): void {
  if (!(pred instanceof Tensor)) fail('ERR_INVALID_ARG', `${where}: the prediction must be a Tensor`);
}

/** Mean squared error over every element: mean((pred − target)²). */
export function mseLoss(pred: Tensor, target: Target, options: LossOptions = {}): Tensor {
  checkPrediction('mseLoss', pred);
  return mseOp(pred, floatTarget('mseLoss', target, pred.size, options), options.workspace);
}

/** Binary cross-entropy on logits (numerically stable; no sigmoid layer needed), mean over every element. */
export function bceWithLogitsLoss(logits: Tensor, target: Target, options: LossOptions = {}): Tensor {
  checkPrediction('bceWithLogitsLoss', logits);
  return sigmoidBceOp(logits, floatTarget('bceWithLogitsLoss', target, logits.size, options), options.workspace);
}

/**
 * Softmax cross-entropy on logits [batch, classes], mean over the batch. The target is either one class
 * label per row (Int32Array, numbers, or a tensor of batch values) or a probability / one-hot row per
 * sample (batch × classes values).
 */
export function crossEntropyLoss(logits: Tensor, target: Target, options: LossOptions = {}): Tensor {
  const where = 'crossEntropyLoss';
  checkPrediction(where, logits);
  if (logits.shape.length < 1) fail('ERR_SHAPE', `${where}: logits must be [batch, classes], got ${formatShape(logits.shape)}`);
  const N = logits.shape[logits.shape.length - 1];
  const M = N === 0 ? 0 : logits.size / N;
  const values = targetValues(target);
  const isLabels = isInt32Array(values) || (values.length === M && (N !== 1 || !isFloat32Array(values)));
  if (!isLabels) {
    if (values.length !== M * N) {
      fail(
        'ERR_SHAPE',
        `${where}: target has ${values.length} values; ` +
          `expected ${M} labels or ${M}×${N} probabilities for logits ${formatShape(logits.shape)}`,
      );
    }
    return softmaxCrossEntropySoftOp(logits, floatTarget(where, target, logits.size, options), options.workspace);
  }
  if (values.length !== M) fail('ERR_SHAPE', `${where}: got ${values.length} labels for ${M} rows of logits ${formatShape(logits.shape)}`);
  if (options.checkTargets !== false) checkLabels(where, values, N);
  let labels: Int32Array;
  if (isInt32Array(values)) labels = values;
  else {
    labels = allocI32(options.workspace, `${where}.labels`, M);
    for (let i = 0; i < M; i++) labels[i] = values[i];
  }
  return softmaxCrossEntropyOp(logits, labels, options.workspace);
}

/** Anything that can list the weights an L2 penalty applies to (a Sequential does: weights, not biases). */
export interface HasRegularizedWeights {
  regularizedWeights(): Tensor[];
}

/**
 * λ/2·Σ‖W‖² over weight matrices (not biases); add it to the data loss. The ½ makes its gradient λ·W, what SGD's
 * weightDecay λ adds to the gradient (but to every parameter it is given, biases included).
 */
export function l2Penalty(weights: readonly Tensor[] | HasRegularizedWeights, lambda: number, options: LossOptions = {}): Tensor {
  if (typeof lambda !== 'number' || !Number.isFinite(lambda) || lambda < 0) {
    fail('ERR_INVALID_ARG', `l2Penalty: lambda must be a finite number >= 0, got ${String(lambda)}`);
  }
  const list = Array.isArray(weights) ? (weights as readonly Tensor[]) : (weights as HasRegularizedWeights).regularizedWeights();
  return l2PenaltyOp(list, lambda, options.workspace);
}

export type LossName = 'mse' | 'bceWithLogits' | 'crossEntropy';

const LOSSES: Record<string, LossFn> = {
  mse: mseLoss,
  meanSquaredError: mseLoss,
  bceWithLogits: bceWithLogitsLoss,
  binaryCrossEntropyWithLogits: bceWithLogitsLoss,
  crossEntropy: crossEntropyLoss,
  softmaxCrossEntropy: crossEntropyLoss,
  categoricalCrossEntropy: crossEntropyLoss,
};

/**
 * Names still accepted for one minor version, each with the name to use instead.
 * @deprecated 'binaryCrossEntropy' takes logits (a sigmoid inside), which the name does not say: a model ending in
 * a sigmoid would get a second one. Use 'bceWithLogits' (or 'binaryCrossEntropyWithLogits', PyTorch's name).
 */
const DEPRECATED_LOSSES: Record<string, string> = {
  binaryCrossEntropy: 'bceWithLogits',
};
const warned = new Set<string>();

/** A loss by name (or the function itself), for `fit({ loss: 'crossEntropy' })`. */
export function getLoss(loss: LossName | string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const instead = Object.hasOwn(DEPRECATED_LOSSES, loss) ? DEPRECATED_LOSSES[loss] : undefined;
  if (instead !== undefined) {
    if (!warned.has(loss)) {
      warned.add(loss);
      process.emitWarning(`loss '${loss}' is binary cross-entropy on logits (it applies the sigmoid itself); use '${instead}'`, {
        type: 'DeprecationWarning',
        code: 'NEUROBLAS_LOSS_NAME',
      });
    }
    return LOSSES[instead];
  }
  const fn = Object.hasOwn(LOSSES, loss) ? LOSSES[loss] : undefined;
  if (fn === undefined)
    fail('ERR_INVALID_ARG', `loss must be one of ${Object.keys(LOSSES).join(', ')} or a function, got ${JSON.stringify(loss)}`);
  return fn;
}
