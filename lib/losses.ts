/**
 * The public losses: argument checks that name the loss and the argument (before any work), target
 * conversion, and name lookup for the training loop. The arithmetic is in lib/ops/losses.ts, one fused
 * kernel call per loss.
 */
import { checkKnownKeys, finite, nonNegative, optionsObject, show } from './check.js';
import { fail } from './errors.js';
import { checkFinite, checkLabels } from './ops/checks.js';
import {
  klDivOp,
  l2PenaltyOp,
  mseOp,
  sigmoidBceOp,
  sigmoidBceWeightedOp,
  smoothL1Op,
  softmaxCrossEntropyOp,
  softmaxCrossEntropySoftOp,
  softmaxCrossEntropyWeightedOp,
} from './ops/losses.js';
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

const LOSS_KEYS = ['workspace', 'checkTargets'] as const;

/** The options object, its keys checked (a typo such as `label_smoothing` would otherwise be ignored). */
function lossOptions<T extends LossOptions>(where: string, options: T | undefined, extra: readonly string[] = []): T {
  const o = optionsObject(where, options) as T;
  checkKnownKeys(where, o, extra.length === 0 ? LOSS_KEYS : [...LOSS_KEYS, ...extra]);
  return o;
}

/**
 * Per-class (or per-column) weights as `n` float32 values: an array-like of exactly n numbers, or an object
 * `{ [class]: weight }` (Keras's class_weight) where classes left out weigh 1. Each weight must be finite and >= 0.
 */
function weightVector(where: string, name: string, w: unknown, n: number, ws: Workspace | undefined, key: string): Float32Array {
  const out = allocF32(ws, key, n);
  if (typeof w === 'number') {
    out.fill(nonNegative(where, name, w));
    return out;
  }
  if (typeof w !== 'object' || w === null) fail('ERR_INVALID_ARG', `${where}: ${name} must be an array of ${n} numbers, got ${show(w)}`);
  if ('length' in w) {
    const a = w as ArrayLike<unknown>;
    if (a.length !== n) fail('ERR_SHAPE', `${where}: ${name} has ${a.length} values, expected ${n} (one per class)`);
    for (let i = 0; i < n; i++) out[i] = nonNegative(where, `${name}[${i}]`, a[i]);
    return out;
  }
  out.fill(1);
  for (const [k, v] of Object.entries(w)) {
    const c = Number(k);
    if (!Number.isInteger(c) || c < 0 || c >= n)
      fail('ERR_LABEL', `${where}: ${name} names class ${JSON.stringify(k)}, but the classes are 0 to ${n - 1}`);
    out[c] = nonNegative(where, `${name}[${k}]`, v);
  }
  return out;
}

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

/** Mean absolute error over every element: mean |pred − target| (PyTorch's L1Loss; the gradient at pred = target is 0). */
export function l1Loss(pred: Tensor, target: Target, options?: LossOptions): Tensor {
  const o = lossOptions('l1Loss', options);
  checkPrediction('l1Loss', pred);
  return smoothL1Op('l1', pred, floatTarget('l1Loss', target, pred.size, o), 0, 1, o.workspace);
}

export interface SmoothL1Options extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 is L1). */
  beta?: number;
}

/** PyTorch's SmoothL1Loss: mean of ½d²/beta where |d| < beta, |d| − ½beta elsewhere (d = pred − target). */
export function smoothL1Loss(pred: Tensor, target: Target, options?: SmoothL1Options): Tensor {
  const o = lossOptions('smoothL1Loss', options, ['beta']);
  const beta = o.beta === undefined ? 1 : nonNegative('smoothL1Loss', 'beta', o.beta);
  checkPrediction('smoothL1Loss', pred);
  return smoothL1Op('smoothL1', pred, floatTarget('smoothL1Loss', target, pred.size, o), beta, 1, o.workspace);
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

/** PyTorch's HuberLoss (Keras's Huber): mean of ½d² where |d| <= delta, delta·(|d| − ½delta) elsewhere. */
export function huberLoss(pred: Tensor, target: Target, options?: HuberOptions): Tensor {
  const o = lossOptions('huberLoss', options, ['delta']);
  const delta = o.delta === undefined ? 1 : finite('huberLoss', 'delta', o.delta);
  if (delta <= 0) fail('ERR_INVALID_ARG', `huberLoss: delta must be > 0, got ${delta}`);
  checkPrediction('huberLoss', pred);
  return smoothL1Op('huber', pred, floatTarget('huberLoss', target, pred.size, o), delta, delta, o.workspace);
}

/**
 * KL divergence, PyTorch's kl_div(input, target, reduction='batchmean'): the input is log-probabilities (a
 * logSoftmax output), the target probabilities; Σ target·(log target − input) over every element, divided by
 * the batch size (the first dimension). A zero target adds 0.
 */
export function klDivLoss(input: Tensor, target: Target, options?: LossOptions): Tensor {
  const where = 'klDivLoss';
  const o = lossOptions(where, options);
  checkPrediction(where, input);
  if (input.shape.length < 1) fail('ERR_SHAPE', `${where}: the input must have a batch dimension, got ${formatShape(input.shape)}`);
  return klDivOp(input, floatTarget(where, target, input.size, o), input.shape[0], o.workspace);
}

export interface BceWithLogitsOptions extends LossOptions {
  /**
   * Weight of the positive targets (PyTorch's pos_weight): one number, or one per column of the logits' last axis.
   * Above 1 it raises recall on rare positives (negatives / positives is the usual choice).
   */
  posWeight?: number | ArrayLike<number>;
}

/** Binary cross-entropy on logits (numerically stable; no sigmoid layer needed), mean over every element. */
export function bceWithLogitsLoss(logits: Tensor, target: Target, options?: BceWithLogitsOptions): Tensor {
  const where = 'bceWithLogitsLoss';
  const o = lossOptions(where, options, ['posWeight']);
  checkPrediction(where, logits);
  const t = floatTarget(where, target, logits.size, o);
  if (o.posWeight === undefined) return sigmoidBceOp(logits, t, o.workspace);
  const N = typeof o.posWeight === 'number' ? 1 : logits.shape.length === 0 ? 1 : logits.shape[logits.shape.length - 1];
  if (typeof o.posWeight !== 'number' && logits.shape.length === 0) fail('ERR_SHAPE', `${where}: posWeight needs logits with a last axis`);
  const w = weightVector(where, 'posWeight', o.posWeight, N, o.workspace, `${where}.posWeight`);
  return sigmoidBceWeightedOp(logits, t, w, o.workspace);
}

export interface CrossEntropyOptions extends LossOptions {
  /** ε in [0, 1]: the target becomes (1 − ε)·onehot + ε/classes (PyTorch's label_smoothing; default 0). */
  labelSmoothing?: number;
  /**
   * A weight per class, for imbalanced data: an array of one number per class, or `{ [class]: weight }` where
   * classes left out weigh 1 (Keras's class_weight). With labels the mean divides by the sum of the weights of
   * the batch's labels (PyTorch's weighted mean); with probability targets by the batch size.
   */
  classWeights?: ClassWeights;
}

/** One weight per class, or `{ [class]: weight }` where classes left out weigh 1. */
export type ClassWeights = ArrayLike<number> | Readonly<Record<number, number>>;

/** Class weights checked against the number of classes, as float32 values (fit checks its classWeight once, up front). */
export function checkClassWeights(where: string, name: string, w: unknown, classes: number): Float32Array {
  return weightVector(where, name, w, classes, undefined, '');
}

/**
 * Softmax cross-entropy on logits [batch, classes], mean over the batch. The target is either one class
 * label per row (Int32Array, numbers, or a tensor of batch values) or a probability / one-hot row per
 * sample (batch × classes values).
 */
export function crossEntropyLoss(logits: Tensor, target: Target, options?: CrossEntropyOptions): Tensor {
  const where = 'crossEntropyLoss';
  options = lossOptions(where, options, ['labelSmoothing', 'classWeights']);
  const smoothing = options.labelSmoothing === undefined ? 0 : nonNegative(where, 'labelSmoothing', options.labelSmoothing);
  if (smoothing > 1) fail('ERR_INVALID_ARG', `${where}: labelSmoothing must be in [0, 1], got ${smoothing}`);
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
    const soft = floatTarget(where, target, logits.size, options);
    if (smoothing === 0 && options.classWeights === undefined) return softmaxCrossEntropySoftOp(logits, soft, options.workspace);
    // Smoothing and weights fold into the target: w_j·((1 − ε)·t_ij + ε/N), PyTorch's definition for probabilities.
    const w =
      options.classWeights === undefined
        ? undefined
        : weightVector(where, 'classWeights', options.classWeights, N, options.workspace, `${where}.weights`);
    const t = allocF32(options.workspace, `${where}.smoothed`, M * N);
    for (let i = 0; i < M * N; i++) t[i] = ((1 - smoothing) * soft[i] + smoothing / N) * (w === undefined ? 1 : w[i % N]);
    return softmaxCrossEntropySoftOp(logits, t, options.workspace);
  }
  if (values.length !== M) fail('ERR_SHAPE', `${where}: got ${values.length} labels for ${M} rows of logits ${formatShape(logits.shape)}`);
  if (options.checkTargets !== false) checkLabels(where, values, N);
  let labels: Int32Array;
  if (isInt32Array(values)) labels = values;
  else {
    labels = allocI32(options.workspace, `${where}.labels`, M);
    for (let i = 0; i < M; i++) labels[i] = values[i];
  }
  if (smoothing === 0 && options.classWeights === undefined) return softmaxCrossEntropyOp(logits, labels, options.workspace);
  const weights =
    options.classWeights === undefined
      ? allocF32(options.workspace, `${where}.weights`, N).fill(1)
      : weightVector(where, 'classWeights', options.classWeights, N, options.workspace, `${where}.weights`);
  return softmaxCrossEntropyWeightedOp(logits, labels, smoothing, weights, options.workspace);
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

export type LossName = 'mse' | 'bceWithLogits' | 'crossEntropy' | 'l1' | 'smoothL1' | 'huber' | 'klDiv';

const LOSSES: Record<string, LossFn> = {
  mse: mseLoss,
  meanSquaredError: mseLoss,
  bceWithLogits: bceWithLogitsLoss,
  binaryCrossEntropyWithLogits: bceWithLogitsLoss,
  crossEntropy: crossEntropyLoss,
  softmaxCrossEntropy: crossEntropyLoss,
  categoricalCrossEntropy: crossEntropyLoss,
  l1: l1Loss,
  mae: l1Loss,
  meanAbsoluteError: l1Loss,
  smoothL1: smoothL1Loss,
  huber: huberLoss,
  klDiv: klDivLoss,
  klDivergence: klDivLoss,
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
