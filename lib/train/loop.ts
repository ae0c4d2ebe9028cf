/**
 * The training loop, and `evaluate` and `predict`. Everything is checked once, before any work (shapes through
 * every layer, NaN/Inf in the data, label range, sizes); then each step reuses its buffers (batch copies,
 * layer outputs and gradients, optimizer state), so after the first batch a step allocates no typed arrays.
 * The same loop runs on the caller's thread (lib/train/fit.ts: yielding between batches, or not at all) and in
 * fit's worker thread (lib/train/worker/thread.ts), so a seeded run gives the same weights on either.
 */
import { checkKnownKeys, nonNegativeInteger, optionsObject, plural, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { gatherRows } from '../data/batches.js';
import { DEFAULT_VALIDATION_SEED, trainValidationSplit } from '../data/split.js';
import { noGrad, overwriteGrads, settleGrads } from '../graph.js';
import { Activation } from '../layers/activation.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Flatten } from '../layers/flatten.js';
import { leafLayers } from '../layers/layer.js';
import type { Sequential } from '../layers/sequential.js';
import {
  bceWithLogitsLoss,
  checkClassWeights,
  type ClassWeights,
  type CrossEntropyOptions,
  crossEntropyLoss,
  getLoss,
  huberLoss,
  klDivLoss,
  l1Loss,
  l2Penalty,
  mseLoss,
  smoothL1Loss,
  type LossFn,
  type LossName,
  type LossOptions,
} from '../losses.js';
import { activation, softmax } from '../ops/activation.js';
import { checkFinite, checkFiniteF32, checkFiniteYielding, checkLabels } from '../ops/checks.js';
import { currentBackend } from '../ops/current-backend.js';
import { add } from '../ops/elementwise.js';
import { Workspace } from '../ops/workspace.js';
import type { Optimizer } from '../optim/optimizer.js';
import { checkClipOptions, clipBeforeStep } from '../optim/clip.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, Tensor } from '../tensor.js';
import { ByteTensor } from '../byte-tensor.js';
import type { BatchLogs, EpochLogs, TrainContext, TrainingCallback } from './callbacks.js';
import {
  accuracy as accuracyOf,
  argmax,
  checkFitMetrics,
  checkMetricsFit,
  computeFitMetrics,
  confusionMatrix,
  type ConfusionMatrix,
  type FitMetric,
} from './metrics.js';
import { abortError } from './abort-error.js';
import { RegressionAccumulator, type RegressionMetrics } from './regression-metrics.js';
import { TargetScaling } from '../layers/target-scaling.js';

/**
 * Inputs: a tensor [rows, ...sample], or a ByteTensor (bytes standing for floats, converted a batch at a time).
 * Targets: one value per row (class labels, or a regression target for a model with one output), or a Tensor
 * [rows, ...] of several values per row (regression targets, class probabilities).
 */
export type Inputs = Tensor | ByteTensor;
export type Targets = Int32Array | Float32Array | Tensor | ArrayLike<number>;

export interface FitOptions {
  optimizer: Optimizer;
  /** How many epochs this call runs (default 1), whatever initialEpoch is: it is a count, not the last epoch's number. */
  epochs?: number;
  /**
   * Epochs already done, for a run resumed from a checkpoint (default 0): this call's epochs are numbered
   * initialEpoch + 1 … initialEpoch + epochs, in EpochLogs.epoch and in the callbacks' epoch argument, so the
   * resumed history continues the saved one. Schedules and EarlyStopping continue their run when their state
   * was restored (checkpoint.restoreCallbacks); a schedule that has counted other epochs is refused.
   */
  initialEpoch?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** A loss by name or function; default: cross-entropy for class labels, MSE otherwise. */
  loss?: LossName | LossFn;
  /** L2 penalty λ/2·‖W‖² on weights (not biases), added to the data loss. */
  l2?: number;
  /**
   * A weight per class for the cross-entropy loss (Keras's class_weight), for imbalanced data: one number per class,
   * or `{ [class]: weight }` where classes left out weigh 1. The batch loss divides by the sum of the weights of
   * its labels (PyTorch's weighted mean); validation losses are not weighted.
   */
  classWeight?: ClassWeights;
  /**
   * Fraction of the rows held out for validation, in (0, 1): drawn at random with the generator seeded by
   * `validationSeed`, stratified for class labels (each class keeps its share on both sides), the same rows on every
   * call for the same data. The CLI's --validation-split is the same split (lib/data/split.ts).
   */
  validationSplit?: number;
  /** The seed of the validationSplit's rows (default 1); independent of `rng`, so the shuffles do not move them. */
  validationSeed?: number;
  validationData?: [Inputs, Targets];
  callbacks?: TrainingCallback | TrainingCallback[];
  signal?: AbortSignal;
  /** The generator used to shuffle (default: the library's seeded one). */
  rng?: Random;
  /**
   * fit only (fitBlocking always trains on the calling thread). true: train in a worker thread, an error if this
   * fit cannot (see lib/train/worker/plan.ts); false: train on the calling thread, yielding between batches.
   * Default: a worker when the fit can use one and its batches are not tiny.
   */
  worker?: boolean;
  /**
   * Metrics computed each epoch on the training batches' outputs and on the validation data, logged in EpochLogs and
   * the history ('f1' as f1 and valF1): 'precision', 'recall', 'f1' (macro averages), 'weightedPrecision',
   * 'weightedRecall', 'weightedF1', 'topK:<k>' (as top<k>Accuracy), 'auc' (binary problems); lib/train/metrics.ts.
   */
  metrics?: string[];
  /**
   * Gradient clipping before every optimizer step, over the optimizer's parameters: `clipNorm` scales the gradients
   * so their total L2 norm is at most this (clipGradNorm; PyTorch's clip_grad_norm_), `clipValue` clamps every
   * gradient value into [−clipValue, clipValue] (clipGradValue). One or the other; a non-finite gradient norm is an
   * ERR_BAD_DATA naming the epoch and batch.
   */
  clipNorm?: number;
  clipValue?: number;
}

/** Every option fit knows: any other key is refused (a typo such as `epoch` would otherwise be ignored). */
export const FIT_OPTION_KEYS: readonly (keyof FitOptions)[] = [
  'optimizer',
  'epochs',
  'initialEpoch',
  'batchSize',
  'shuffle',
  'loss',
  'l2',
  'classWeight',
  'validationSplit',
  'validationSeed',
  'validationData',
  'callbacks',
  'signal',
  'rng',
  'worker',
  'metrics',
  'clipNorm',
  'clipValue',
];

/** fit's options object: required, and only known keys. */
export function checkFitOptions(o: unknown): FitOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o))
    fail('ERR_INVALID_ARG', 'fit: options are required ({ optimizer, epochs, batchSize, … })');
  checkKnownKeys('fit', o, FIT_OPTION_KEYS);
  return o as FitOptions;
}

/**
 * The optimizer must update this model's parameters (all or some of them): one built on another model's would
 * step weights this fit never computes gradients for, and leave this model as it was.
 */
export function checkOptimizerParams(model: Sequential, optimizer: Optimizer): void {
  const params = (optimizer as Partial<Optimizer>).params;
  if (!Array.isArray(params)) return; // an optimizer of the caller's own, without a parameter list
  const own = new Set<unknown>(model.parameters());
  const ownData = new Set<Float32Array>(model.parameters().map((p) => p.data));
  const foreign = params.findIndex((p) => !own.has(p) && !ownData.has(p.data));
  if (foreign < 0) return;
  const name = (optimizer as Optimizer).constructor?.name ?? 'SGD';
  fail(
    'ERR_INVALID_ARG',
    `fit: the optimizer's parameter ${foreign} is not a parameter of this model (${model.name}): the optimizer was built on ` +
      `another model's; build it on this one, e.g. new ${name}(model.parameters(), { lr })`,
  );
}

/**
 * The softmax (sigmoid) a model's output ends with, when nothing after it changes values, else null. Dropout and
 * Flatten after it keep it a probability (Dropout only scales in training).
 */
function outputSquash(model: Sequential): 'softmax' | 'sigmoid' | null {
  const leaves = leafLayers(model);
  for (let i = leaves.length - 1; i >= 0; i--) {
    const l = leaves[i];
    if (l instanceof Dropout || l instanceof Flatten || (l instanceof Activation && l.kind === 'linear')) continue;
    const kind = l instanceof Activation ? l.kind : l instanceof Dense ? l.activation : null;
    return kind === 'softmax' || kind === 'sigmoid' ? kind : null;
  }
  return null;
}

/**
 * Cross-entropy takes logits and applies softmax itself (BCE on logits: sigmoid), as PyTorch's losses do: on a model
 * that already ends in one it would apply it twice and train poorly, so it is refused, with the fix.
 */
function checkLossOnLogits(where: string, model: Sequential, loss: LossFn): void {
  const squash = outputSquash(model);
  const twice = (squash === 'softmax' && loss === crossEntropyLoss) || (squash === 'sigmoid' && loss === bceWithLogitsLoss) ? squash : null;
  if (twice === null) return;
  const lossName = loss === crossEntropyLoss ? 'crossEntropy' : 'bceWithLogits';
  fail(
    'ERR_INVALID_ARG',
    `${where}: the model ends in a ${twice} and the loss ${lossName} takes logits and applies ${twice} itself, so it ` +
      `would be applied twice; remove the ${twice} from the last layer (predictProba(model, x) gives probabilities)`,
  );
}

export interface EvaluateResult {
  loss: number;
  accuracy?: number;
  confusion?: ConfusionMatrix;
  /** A regression (float targets, a regression loss): MAE, RMSE and R² in the targets' units, per output and overall. */
  regression?: RegressionMetrics;
}

/** The losses that make a fit on float targets a regression, reported with MAE, RMSE and R² instead of accuracy. */
const REGRESSION_LOSSES: readonly LossFn[] = [mseLoss, l1Loss, smoothL1Loss, huberLoss];

/**
 * How a regression is scored: the model's TargetScaling last layer when it has one (the loss then compares the output
 * before it with standardized targets: lib/layers/target-scaling.ts), and an accumulator for MAE, RMSE and R².
 */
interface Regression {
  scaling: TargetScaling | null;
  metrics: RegressionAccumulator;
}

function regressionOf(model: Sequential, d: Data, loss: LossFn): Regression | null {
  if (d.targets === null || !REGRESSION_LOSSES.includes(loss)) return null;
  const last = model.layers[model.layers.length - 1];
  return { scaling: last instanceof TargetScaling ? last : null, metrics: new RegressionAccumulator(d.targetWidth) };
}

/** What the loss sees: the model's output, or for a model ending in TargetScaling the output before that layer. */
function lossInput(model: Sequential, x: Tensor, r: Regression | null): Tensor {
  if (r?.scaling == null) return model.forward(x, { reuse: true, checkInput: false });
  // Shapes were checked through every layer when the data was prepared (model.outputShape).
  let y = x;
  for (let i = 0; i < model.layers.length - 1; i++) y = model.layers[i].apply(y, { reuse: true });
  return y;
}

/** Standardized copies of the targets for a model ending in TargetScaling (prepareData's targets are already a copy). */
function standardizeTargets(d: Data, r: Regression | null): void {
  if (r?.scaling != null && d.targets !== null) r.scaling.standardize(d.targets);
}

function logRegression(r: Regression, logs: EpochLogs, validation: boolean): void {
  const m = r.metrics.result(r.scaling?.std.data);
  const l = logs as unknown as Record<string, number>;
  l[validation ? 'valMae' : 'mae'] = m.mae;
  l[validation ? 'valRmse' : 'rmse'] = m.rmse;
  l[validation ? 'valR2' : 'r2'] = m.r2;
}

interface Data {
  x: Inputs;
  sample: number[];
  features: number;
  /** The rows this part of the data has (all of x's, or those of a validation split's side). */
  rows: number;
  /** Which of x's rows they are, ascending (a validation split's side); null: all of them, in order. */
  index: Int32Array | null;
  /** Values per row of the model's output (the number of classes for a classifier). */
  outWidth: number;
  /** Integer labels when the task is classification; else float targets, `targetWidth` per row (of all x's rows). */
  labels: Int32Array | null;
  targets: Float32Array | null;
  targetWidth: number;
}

/** initialEpoch: a count of epochs done, so 0, 1, 2, … (a checkpoint's `epoch`). */
export function checkInitialEpoch(v: unknown): number {
  if (v === undefined) return 0;
  return nonNegativeInteger('fit', "initialEpoch (the epochs already done, e.g. a checkpoint's epoch)", v);
}

/**
 * y row for row with x. Without a shape (an array) y holds one value per row: class labels, or one regression
 * target. Several values per row come as a Tensor [rows, ...] (regression targets, class probabilities): a float
 * target is read as regression only when its shape says so, and a length that does not match the rows is an error
 * (192 labels for 64 rows are not 3 targets per row). Integer-valued targets of one value per row become labels for
 * a classifier. `checkX: false` leaves the check of x's values to the caller (fit's yielding path checks them in
 * stretches: checkFiniteYielding).
 */
function prepareData(where: string, model: Sequential, x: Inputs, y: Targets, isClassifier: boolean, checkX = true): Data {
  if (!(x instanceof Tensor) && !(x instanceof ByteTensor))
    fail('ERR_INVALID_ARG', `${where}: x must be a Tensor (or a ByteTensor) of shape [rows, ...features], got ${typeof x}`);
  if (x.shape.length < 2) fail('ERR_SHAPE', `${where}: x must be [rows, ...features], got ${formatShape(x.shape)}`);
  const rows = x.shape[0];
  const sample = x.shape.slice(1);
  const features = x.size / Math.max(rows, 1);
  const outShape = model.outputShape(sample); // throws naming the layer on a wrong input shape
  const classes = outShape[outShape.length - 1];
  const outWidth = outShape.reduce((a, b) => a * b, 1);
  const values = y instanceof Tensor ? y.data : y;
  if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<number>).length !== 'number') {
    fail('ERR_INVALID_ARG', `${where}: y must be labels (Int32Array or numbers) or a tensor of targets`);
  }
  // Bytes times a finite scale are finite: a ByteTensor has nothing to check.
  if (checkX && x instanceof Tensor) checkFiniteF32(`${where}: x`, x.data, features);
  const perRow = outWidth === 1 ? '' : `, or ${outWidth} float targets per row as a Tensor [${rows}, ${outShape.join(', ')}]`;
  if (y instanceof Tensor ? y.shape.length === 0 || y.shape[0] !== rows : values.length !== rows) {
    const has = y instanceof Tensor ? `shape ${formatShape(y.shape)}` : plural(values.length, 'value');
    fail(
      'ERR_SHAPE',
      `${where}: x has ${plural(rows, 'row')} and y has ${has}; y needs one label per row${perRow} ` +
        `(the model outputs ${outWidth} per row)`,
    );
  }
  const targetWidth = rows === 0 ? 1 : values.length / rows;
  // One output per row is a regression (or BCE) head: class labels need at least two classes.
  if (isClassifier && classes >= 2 && targetWidth === 1) {
    checkLabels(`${where}: y`, values, classes);
    return { x, sample, features, rows, index: null, outWidth, labels: Int32Array.from(values), targets: null, targetWidth: 1 };
  }
  checkFinite(`${where}: y`, values);
  return { x, sample, features, rows, index: null, outWidth, labels: null, targets: Float32Array.from(values), targetWidth };
}

/**
 * The built-in losses compare float targets with the output element by element, so they need as many values per
 * row as the model outputs; checked before any work (else the first batch would fail inside the loss, after
 * onTrainBegin and a forward pass, with a message about batch-sized arrays). Custom loss functions are not checked.
 */
function checkTargetWidth(where: string, d: Data, loss: LossFn, lossGiven: boolean): void {
  if (d.targets === null || d.targetWidth === d.outWidth) return;
  // The library's losses, whose targets are one row per sample as wide as the output (a loss of your own decides).
  if (![mseLoss, bceWithLogitsLoss, crossEntropyLoss, l1Loss, smoothL1Loss, huberLoss, klDivLoss].includes(loss as never)) return;
  const hint = lossGiven ? '' : '; class labels need exactly one value per row';
  fail(
    'ERR_SHAPE',
    `${where}: x has ${plural(d.rows, 'row')} and y has ${plural(d.targets.length, 'value')} (${d.targetWidth} per row), ` +
      `but the model outputs ${d.outWidth} per row${hint}`,
  );
}

/** The validation split (lib/data/split.ts): both sides are views of the same rows, by index, with no copy. */
function splitRows(d: Data, fraction: number, seed: number): [Data, Data] {
  const { train, validation } = trainValidationSplit(d.rows, fraction, { labels: d.labels, seed, owner: 'fit: validationSplit' });
  return [
    { ...d, rows: train.length, index: train },
    { ...d, rows: validation.length, index: validation },
  ];
}

/** Reused batch buffers: rows are copied in (in shuffled order) and the same arrays serve every batch. */
class Batcher {
  private readonly ws = new Workspace();
  private readonly tensors = new Map<number, Tensor>();

  constructor(
    private readonly d: Data,
    private readonly batchSize: number,
  ) {}

  get batches(): number {
    return Math.ceil(this.d.rows / this.batchSize);
  }

  /** Batch b of `order`, a permutation of the data's rows (null: in order). */
  take(b: number, rowOrder: Int32Array | null): { x: Tensor; labels: Int32Array | null; targets: Float32Array | null } {
    const d = this.d;
    const order = rowOrder ?? d.index;
    const start = b * this.batchSize;
    const n = Math.min(this.batchSize, d.rows - start);
    const xb = this.ws.f32('x', n * d.features);
    const lb = d.labels ? this.ws.i32('labels', n) : null;
    const tb = d.targets ? this.ws.f32('targets', n * d.targetWidth) : null;
    if (d.x instanceof ByteTensor) {
      // Bytes converted to floats as they are gathered, one batch at a time (in order: rows start … start + n − 1).
      const index = order === null ? rowRange(this.ws.i32('rows', n), start) : order.subarray(start, start + n);
      currentBackend().gatherByteRows(n, d.features, d.x.shape[0], d.x.data, index, d.x.scale, xb);
    } else if (order === null) xb.set(d.x.data.subarray(start * d.features, (start + n) * d.features));
    // The shuffled rows in one crossing (a memcpy per row in native code).
    else currentBackend().gatherRows(n, d.features, d.x.shape[0], d.x.data, order.subarray(start, start + n), xb);
    if (lb) gatherRows(d.labels!, 1, order, start, n, lb);
    if (tb) gatherRows(d.targets!, d.targetWidth, order, start, n, tb);
    let x = this.tensors.get(n);
    if (x === undefined || x.data !== xb) {
      x = new Tensor(xb, [n, ...d.sample]);
      this.tensors.set(n, x);
    }
    return { x, labels: lb, targets: tb };
  }
}

/** `into` filled with start, start + 1, …: the rows of an in-order batch, for the gathering kernel. */
function rowRange(into: Int32Array, start: number): Int32Array {
  for (let i = 0; i < into.length; i++) into[i] = start + i;
  return into;
}

/** Rows start … start + n − 1 of x as floats: a view of a Tensor's data, or a ByteTensor's converted into `ws`. */
function rowsOf(x: Inputs, features: number, start: number, n: number, ws: Workspace): Float32Array {
  if (x instanceof Tensor) return x.data.subarray(start * features, (start + n) * features);
  const xb = ws.f32('x', n * features);
  currentBackend().gatherByteRows(n, features, x.shape[0], x.data, rowRange(ws.i32('rows', n), start), x.scale, xb);
  return xb;
}

/** A training warning: fit emits it with process.emitWarning; in fit's worker it travels to the caller's thread. */
export interface TrainingWarning {
  code: string;
  message: string;
}

export function emitTrainingWarning(w: TrainingWarning): void {
  process.emitWarning(w.message, { code: w.code });
}

/** A batch loss this many times the fit's first batch loss (or MIN_REFERENCE_LOSS, if more) gets one warning. */
const EXPLODING_LOSS_RATIO = 1e6;
/** So that a first loss near 0 (a regression that starts well) does not make every later blip an "explosion". */
const MIN_REFERENCE_LOSS = 1e-6;

const formatLoss = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toPrecision(4));

/**
 * After a step that left non-finite weights (the optimizer's count says so): finds the tensor (a NaN or ±Inf makes its
 * sum in double non-finite) and fails with ERR_BAD_DATA naming the step that broke the weights, so fit never resolves
 * (or trains on) with non-finite weights.
 */
function checkWeightsFinite(weights: [string, Tensor][], epoch: number, batch: number): void {
  const be = currentBackend();
  for (const [name, t] of weights) {
    const s = be.sum(t.data.length, t.data);
    if (Number.isFinite(s)) continue;
    const bad = t.data.find((v) => !Number.isFinite(v)) ?? s;
    fail(
      'ERR_BAD_DATA',
      `fit: the weights became ${bad} (in ${name}) at epoch ${epoch}, batch ${batch}; lower the learning rate ` +
        `(or scale the inputs): the model now holds non-finite weights, so reload or rebuild it`,
    );
  }
}

const YIELD_EVERY_MS = 4;
/** Lets the event loop run (timers, I/O, requests) before the loop goes on. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The loop behind fit and fitBlocking. `pause` lets the event loop run every ~4 ms (and x's values are then checked
 * in stretches); null never yields.
 */
export async function trainLoop(
  model: Sequential,
  x: Inputs,
  y: Targets,
  options: FitOptions,
  pause: (() => Promise<void>) | null,
  warn: (w: TrainingWarning) => void = emitTrainingWarning,
): Promise<EpochLogs[]> {
  const o = checkFitOptions(options);
  const optimizer = o.optimizer;
  if (optimizer === undefined || typeof (optimizer as Optimizer).step !== 'function')
    fail('ERR_INVALID_ARG', 'fit: options.optimizer is required (e.g. new SGD(model.parameters(), { lr: 0.1 }))');
  checkOptimizerParams(model, optimizer);
  const epochs = positiveInteger('fit', 'epochs', o.epochs ?? 1);
  const initialEpoch = checkInitialEpoch(o.initialEpoch);
  const batchSize = positiveInteger('fit', 'batchSize', o.batchSize ?? 32);
  const lossFn = o.loss === undefined ? null : getLoss(o.loss);
  const l2 = o.l2 ?? 0;
  if (typeof l2 !== 'number' || !(l2 >= 0) || !Number.isFinite(l2))
    fail('ERR_INVALID_ARG', `fit: l2 must be a finite number >= 0, got ${String(l2)}`);
  const callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  if (o.validationSeed !== undefined && o.validationSplit === undefined)
    fail('ERR_INVALID_ARG', 'fit: validationSeed chooses the rows of a validationSplit; give validationSplit too');
  const validationSeed =
    o.validationSeed === undefined ? DEFAULT_VALIDATION_SEED : nonNegativeInteger('fit', 'validationSeed', o.validationSeed);
  const isClassifier = lossFn === null || lossFn === crossEntropyLoss;

  // On the yielding path, x's values are checked in stretches (below) instead of in one long loop.
  const checkX = pause === null;
  let train = prepareData('fit', model, x, y, isClassifier, checkX);
  if (!checkX && train.x instanceof Tensor) await checkFiniteYielding('fit: x', train.x.data, train.features, pause!);
  let val: Data | null = null;
  if (o.validationData !== undefined && o.validationSplit !== undefined)
    fail('ERR_INVALID_ARG', 'fit: give validationData or validationSplit, not both');
  if (o.validationData !== undefined) {
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) fail('ERR_INVALID_ARG', 'fit: validationData must be [x, y]');
    val = prepareData('fit: validationData', model, o.validationData[0], o.validationData[1], isClassifier, checkX);
    if (!checkX && val.x instanceof Tensor) await checkFiniteYielding('fit: validationData: x', val.x.data, val.features, pause!);
  } else if (o.validationSplit !== undefined) {
    if (typeof o.validationSplit !== 'number' || !(o.validationSplit > 0 && o.validationSplit < 1))
      fail('ERR_INVALID_ARG', `fit: validationSplit must be in (0, 1), got ${String(o.validationSplit)}`);
    [train, val] = splitRows(train, o.validationSplit, validationSeed);
  }
  if (train.rows === 0) fail('ERR_SHAPE', 'fit: x has no rows');
  const loss = lossFn ?? (train.labels ? crossEntropyLoss : getLoss('mse'));
  if (o.classWeight !== undefined && loss !== crossEntropyLoss)
    fail('ERR_INVALID_ARG', "fit: classWeight weights the cross-entropy loss; use loss: 'crossEntropy' (bceWithLogitsLoss has posWeight)");
  const classWeights = o.classWeight === undefined ? undefined : checkClassWeights('fit', 'classWeight', o.classWeight, train.outWidth);
  checkLossOnLogits('fit', model, loss);
  checkTargetWidth('fit', train, loss, lossFn !== null);
  if (val) checkTargetWidth('fit: validationData', val, loss, lossFn !== null);
  const regression = regressionOf(model, train, loss);
  const valRegression = val ? regressionOf(model, val, loss) : null;
  // A validation split's rows share the training rows' targets: standardized once.
  standardizeTargets(train, regression);
  if (val && val.targets !== train.targets) standardizeTargets(val, valRegression);
  const clip = checkClipOptions('fit', o.clipNorm, o.clipValue);
  const metrics = o.metrics === undefined ? [] : checkFitMetrics('fit', o.metrics);
  if (metrics.length > 0) {
    checkMetricsFit('fit', metrics, train.outWidth, train.labels !== null, train.targets);
    if (val) checkMetricsFit('fit: validationData', metrics, val.outWidth, val.labels !== null, val.targets);
  }
  // The epoch's outputs and labels (targets), in the order trained, for the metrics at its end.
  const epochScores = metrics.length > 0 ? new Float32Array(train.rows * train.outWidth) : null;
  const epochLabels = epochScores && train.labels ? new Int32Array(train.rows) : null;
  const epochTargets = epochScores && !train.labels ? new Float32Array(train.rows * train.targetWidth) : null;
  const signal = o.signal;
  if (signal?.aborted) throw abortError(signal, 'fit');

  const rng = o.rng ?? defaultRandom;
  const batcher = new Batcher(train, batchSize);
  const order = new Int32Array(train.rows);
  const lossWs = new Workspace();
  const batchLossOptions: LossOptions = { workspace: lossWs, checkTargets: false };
  if (classWeights !== undefined) (batchLossOptions as CrossEntropyOptions).classWeights = classWeights;
  const history: EpochLogs[] = [];
  const weights = model.namedParameters();
  const params = model.parameters();
  let firstLoss: number | null = null;
  let warned = false;
  let stopRequested = false;
  const ctx: TrainContext = {
    model,
    optimizer,
    stop: () => {
      stopRequested = true;
    },
  };
  let lastYield = performance.now();

  model.train();
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  for (let epoch = initialEpoch + 1; epoch <= initialEpoch + epochs && !stopRequested; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    for (let i = 0; i < order.length; i++) order[i] = train.index ? train.index[i] : i;
    if (o.shuffle !== false) rng.shuffle(order);
    const started = performance.now();
    regression?.metrics.reset();
    let lossSum = 0,
      correct = 0,
      seen = 0;
    for (let b = 0; b < batcher.batches; b++) {
      if (signal?.aborted) throw abortError(signal, `fit (epoch ${epoch}, batch ${b + 1})`);
      const batch = batcher.take(b, order);
      const n = batch.x.shape[0];
      const out = lossInput(model, batch.x, regression);
      let l = loss(out, batch.labels ?? batch.targets!, batchLossOptions);
      if (l2 > 0) l = add(l, l2Penalty(model, l2, { workspace: lossWs }), lossWs);
      const value = l.data[0];
      if (!Number.isFinite(value)) {
        fail(
          'ERR_BAD_DATA',
          `fit: the loss became ${value} at epoch ${epoch}, batch ${b + 1} (lower the learning rate, or scale the inputs)`,
        );
      }
      if (firstLoss === null) firstLoss = value;
      else if (!warned && value > EXPLODING_LOSS_RATIO * Math.max(firstLoss, MIN_REFERENCE_LOSS)) {
        warned = true;
        warn({
          code: 'NEUROBLAS_DIVERGING',
          message:
            `fit: the loss grew from ${formatLoss(firstLoss)} to ${formatLoss(value)} at epoch ${epoch}, batch ${b + 1}: ` +
            `training is diverging; lower the learning rate (lr ${optimizer.lr}) or scale the inputs`,
        });
      }
      // zeroGrad() then backward(), without the pass that fills the gradients with zeros (lib/graph.ts).
      overwriteGrads(params);
      l.backward();
      settleGrads(params);
      if (clip !== null) clipBeforeStep(clip, optimizer.params ?? model.parameters(), epoch, b + 1);
      optimizer.step();
      // The step kernels count non-finite values as they write them; only then (or for an optimizer of your own,
      // whose count is not a number) are the weights searched, to name the tensor.
      if (optimizer.nonFiniteAfterStep !== 0) checkWeightsFinite(weights, epoch, b + 1);
      if (epochScores) {
        epochScores.set(out.data.subarray(0, n * train.outWidth), seen * train.outWidth);
        if (epochLabels) epochLabels.set(batch.labels!, seen);
        if (epochTargets) epochTargets.set(batch.targets!, seen * train.targetWidth);
      }
      regression?.metrics.add(out.data, batch.targets!, n);
      lossSum += value * n;
      seen += n;
      let batchAcc: number | undefined;
      if (batch.labels) {
        batchAcc = accuracyOf(out.data, batch.labels, n, out.size / n);
        correct += batchAcc * n;
      }
      if (callbacks.length > 0) {
        const logs: BatchLogs = { batch: b + 1, batches: batcher.batches, loss: value, accuracy: batchAcc };
        for (const cb of callbacks) await cb.onBatchEnd?.(logs, ctx);
      }
      if (pause && performance.now() - lastYield > YIELD_EVERY_MS) {
        await pause();
        lastYield = performance.now();
      }
    }
    const logs: EpochLogs = { epoch, loss: lossSum / seen, lr: optimizer.lr, seconds: (performance.now() - started) / 1000 };
    if (train.labels) logs.accuracy = correct / seen;
    if (regression) logRegression(regression, logs, false);
    if (epochScores) computeFitMetrics(metrics, epochScores, epochLabels, epochTargets, seen, train.outWidth, logs, false);
    if (val) {
      const r = evaluateData(model, val, loss, batchSize, valRegression, false, metrics, logs);
      logs.valLoss = r.loss;
      if (r.accuracy !== undefined) logs.valAccuracy = r.accuracy;
      model.train();
    }
    history.push(logs);
    for (const cb of callbacks) await cb.onEpochEnd?.(logs, ctx);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history, ctx);
  model.train();
  return history;
}

function evaluateData(
  model: Sequential,
  d: Data,
  loss: LossFn,
  batchSize: number,
  regression: Regression | null,
  withConfusion = false,
  metrics: readonly FitMetric[] = [],
  metricLogs: EpochLogs | null = null,
): EvaluateResult {
  model.eval();
  const scores = metrics.length > 0 ? new Float32Array(d.rows * d.outWidth) : null;
  const targets = scores && !d.labels ? new Float32Array(d.rows * d.targetWidth) : null;
  const labels = scores && d.labels ? new Int32Array(d.rows) : null;
  const batcher = new Batcher(d, batchSize);
  const ws = new Workspace();
  let lossSum = 0,
    correct = 0;
  let pred: Int32Array | null = null;
  if (withConfusion && d.labels) pred = new Int32Array(d.rows);
  const classes = d.outWidth;
  regression?.metrics.reset();
  noGrad(() => {
    for (let b = 0; b < batcher.batches; b++) {
      const batch = batcher.take(b, null);
      const n = batch.x.shape[0];
      const out = lossInput(model, batch.x, regression);
      regression?.metrics.add(out.data, batch.targets!, n);
      lossSum += loss(out, batch.labels ?? batch.targets!, { workspace: ws, checkTargets: false }).data[0] * n;
      if (scores) {
        scores.set(out.data.subarray(0, n * d.outWidth), b * batchSize * d.outWidth);
        if (labels) labels.set(batch.labels!, b * batchSize);
        if (targets) targets.set(batch.targets!, b * batchSize * d.targetWidth);
      }
      if (batch.labels) {
        correct += accuracyOf(out.data, batch.labels, n, classes) * n;
        if (pred) argmax(out.data, n, classes, pred.subarray(b * batchSize, b * batchSize + n));
      }
    }
  });
  const result: EvaluateResult = { loss: d.rows > 0 ? lossSum / d.rows : NaN };
  if (d.labels) result.accuracy = d.rows > 0 ? correct / d.rows : NaN;
  if (pred && d.labels) result.confusion = confusionMatrix(pred, d.labels, classes);
  if (regression) {
    result.regression = regression.metrics.result(regression.scaling?.std.data);
    if (metricLogs) logRegression(regression, metricLogs, true);
  }
  if (scores && metricLogs && d.rows > 0) computeFitMetrics(metrics, scores, labels, targets, d.rows, d.outWidth, metricLogs, true);
  return result;
}

export interface EvaluateOptions {
  batchSize?: number;
  loss?: LossName | LossFn;
}

export interface PredictOptions {
  /** Rows per forward pass (default 1024). */
  batchSize?: number;
}

/**
 * predict's default rows per pass: one GEMM per layer for a batch of up to 1024 rows (OpenBLAS packs the weights once
 * per call, so fewer, taller calls do less of that), while the layers' reused buffers stay small (MLP-A: 6 MB).
 */
const PREDICT_BATCH = 1024;

/**
 * Loss over a dataset, in eval mode, and for class labels accuracy and the confusion matrix; for a regression (float
 * targets and a regression loss) MAE, RMSE and R² in the targets' units (`regression`). A model ending in TargetScaling
 * reports its loss in standardized units, as fit does.
 */
export function evaluate(model: Sequential, x: Inputs, y: Targets, options: EvaluateOptions = {}): EvaluateResult {
  const o = optionsObject('evaluate', options) as EvaluateOptions;
  checkKnownKeys('evaluate', o, ['batchSize', 'loss']);
  const batchSize = positiveInteger('evaluate', 'batchSize', o.batchSize ?? 256);
  const lossFn = o.loss === undefined ? null : getLoss(o.loss);
  const d = prepareData('evaluate', model, x, y, lossFn === null || lossFn === crossEntropyLoss);
  const loss = lossFn ?? (d.labels ? crossEntropyLoss : getLoss('mse'));
  checkTargetWidth('evaluate', d, loss, lossFn !== null);
  checkLossOnLogits('evaluate', model, loss);
  const regression = regressionOf(model, d, loss);
  standardizeTargets(d, regression);
  const wasTraining = model.training;
  try {
    return evaluateData(model, d, loss, batchSize, regression, true);
  } finally {
    model.train(wasTraining);
  }
}

/**
 * The model's outputs for every row, computed in batches in eval mode (a fresh tensor the caller keeps): what its
 * last layer gives, so for a classifier trained with cross-entropy the logits, not probabilities (predictProba).
 */
export function predict(model: Sequential, x: Inputs, options: PredictOptions = {}): Tensor {
  return predictWith('predict', model, x, options);
}

function predictWith(where: string, model: Sequential, x: Inputs, options: PredictOptions): Tensor {
  const o = optionsObject(where, options) as PredictOptions;
  checkKnownKeys(where, o, ['batchSize']);
  const batchSize = positiveInteger(where, 'batchSize', o.batchSize ?? PREDICT_BATCH);
  if (!(x instanceof Tensor || x instanceof ByteTensor) || x.shape.length < 2)
    fail('ERR_SHAPE', `${where}: x must be a Tensor (or a ByteTensor) of shape [rows, ...features]`);
  const rows = x.shape[0];
  const sample = x.shape.slice(1);
  const outShape = model.outputShape(sample);
  const features = x.size / Math.max(rows, 1);
  if (x instanceof Tensor) checkFiniteF32(`${where}: x`, x.data, features);
  const ws = new Workspace();
  const outWidth = outShape.reduce((a, b) => a * b, 1);
  const result = new Float32Array(rows * outWidth);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        const xb = new Tensor(rowsOf(x, features, start, n, ws), [n, ...sample]);
        const out = model.forward(xb, { reuse: true, checkInput: false });
        result.set(out.data.subarray(0, n * outWidth), start * outWidth);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return new Tensor(result, [rows, ...outShape]);
}

/**
 * Probabilities for every row: the softmax of predict's logits over the last dimension (each row sums to 1), or for
 * a model with one output (binary, trained with bceWithLogits) their sigmoid. A model whose last layer already
 * applies softmax or sigmoid gives its outputs as they are.
 */
export function predictProba(model: Sequential, x: Inputs, options: PredictOptions = {}): Tensor {
  const out = predictWith('predictProba', model, x, options);
  if (outputSquash(model) !== null) return out;
  const width = out.shape[out.shape.length - 1];
  return noGrad(() => (width === 1 ? activation(out, 'sigmoid') : softmax(out)));
}
