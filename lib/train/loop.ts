/**
 * The training loop, and `evaluate` and `predict`. Everything is checked once, before any work (shapes through
 * every layer, NaN/Inf in the data, label range, sizes); then each step reuses its buffers (batch copies,
 * layer outputs and gradients, optimizer state), so after the first batch a step allocates no typed arrays.
 * The same loop runs on the caller's thread (lib/train/fit.ts: yielding between batches, or not at all) and in
 * fit's worker thread (lib/train/worker/thread.ts), so a seeded run gives the same weights on either.
 */
import { nonNegativeInteger, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { gatherRows } from '../data/batches.js';
import { noGrad } from '../graph.js';
import type { Sequential } from '../layers/sequential.js';
import { bceWithLogitsLoss, crossEntropyLoss, getLoss, l2Penalty, mseLoss, type LossFn, type LossName } from '../losses.js';
import { checkFinite, checkFiniteYielding, checkLabels } from '../ops/checks.js';
import { add } from '../ops/elementwise.js';
import { Workspace } from '../ops/workspace.js';
import type { Optimizer } from '../optim/optimizer.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, Tensor } from '../tensor.js';
import type { BatchLogs, EpochLogs, TrainContext, TrainingCallback } from './callbacks.js';
import { accuracy as accuracyOf, argmax, confusionMatrix, type ConfusionMatrix } from './metrics.js';
import { abortError } from './abort-error.js';

/** Inputs: a tensor [rows, ...sample]. Targets: class labels (one per row) or a tensor/array of values per row. */
export type Inputs = Tensor;
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
  /** Fraction of rows (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
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
}

export interface EvaluateResult {
  loss: number;
  accuracy?: number;
  confusion?: ConfusionMatrix;
}

interface Data {
  x: Tensor;
  sample: number[];
  features: number;
  rows: number;
  /** Values per row of the model's output (the number of classes for a classifier). */
  outWidth: number;
  /** Integer labels when the task is classification; else float targets, `targetWidth` per row. */
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
 * Integer-valued targets of one value per row become labels; anything else stays float. `checkX: false` leaves the
 * check of x's values to the caller (fit's yielding path checks them in stretches: checkFiniteYielding).
 */
function prepareData(where: string, model: Sequential, x: Inputs, y: Targets, isClassifier: boolean, checkX = true): Data {
  if (!(x instanceof Tensor)) fail('ERR_INVALID_ARG', `${where}: x must be a Tensor of shape [rows, ...features], got ${typeof x}`);
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
  if (checkX) checkFinite(`${where}: x`, x.data, features);
  // One output per row is a regression (or BCE) head: class labels need at least two classes.
  if (isClassifier && classes >= 2 && values.length === rows) {
    checkLabels(`${where}: y`, values, classes);
    return { x, sample, features, rows, outWidth, labels: Int32Array.from(values), targets: null, targetWidth: 1 };
  }
  if (values.length % Math.max(rows, 1) !== 0 || (rows === 0 && values.length !== 0)) {
    fail('ERR_SHAPE', `${where}: x has ${rows} rows but y has ${values.length} values`);
  }
  checkFinite(`${where}: y`, values);
  return {
    x,
    sample,
    features,
    rows,
    outWidth,
    labels: null,
    targets: Float32Array.from(values),
    targetWidth: values.length / Math.max(rows, 1),
  };
}

/**
 * The built-in losses compare float targets with the output element by element, so they need as many values per
 * row as the model outputs; checked before any work (else the first batch would fail inside the loss, after
 * onTrainBegin and a forward pass, with a message about batch-sized arrays). Custom loss functions are not checked.
 */
function checkTargetWidth(where: string, d: Data, loss: LossFn, lossGiven: boolean): void {
  if (d.targets === null || d.targetWidth === d.outWidth) return;
  if (loss !== mseLoss && loss !== bceWithLogitsLoss && loss !== crossEntropyLoss) return;
  const hint = lossGiven ? '' : '; class labels need exactly one value per row';
  fail(
    'ERR_SHAPE',
    `${where}: x has ${d.rows} rows and y has ${d.targets.length} values (${d.targetWidth} per row), ` +
      `but the model outputs ${d.outWidth} per row${hint}`,
  );
}

/** Splits the last `fraction` of rows off for validation. */
function splitRows(d: Data, fraction: number): [Data, Data] {
  const nVal = Math.floor(d.rows * fraction);
  if (nVal < 1 || nVal >= d.rows)
    fail('ERR_INVALID_ARG', `fit: validationSplit ${fraction} leaves no rows for training or validation (${d.rows} rows)`);
  const nTrain = d.rows - nVal;
  const part = (start: number, end: number): Data => ({
    ...d,
    rows: end - start,
    x: new Tensor(d.x.data.subarray(start * d.features, end * d.features), [end - start, ...d.sample]),
    labels: d.labels ? d.labels.subarray(start, end) : null,
    targets: d.targets ? d.targets.subarray(start * d.targetWidth, end * d.targetWidth) : null,
  });
  return [part(0, nTrain), part(nTrain, d.rows)];
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

  /** Batch b of the permutation `order` (null: file order). */
  take(b: number, order: Uint32Array | null): { x: Tensor; labels: Int32Array | null; targets: Float32Array | null } {
    const d = this.d;
    const start = b * this.batchSize;
    const n = Math.min(this.batchSize, d.rows - start);
    const xb = this.ws.f32('x', n * d.features);
    const lb = d.labels ? this.ws.i32('labels', n) : null;
    const tb = d.targets ? this.ws.f32('targets', n * d.targetWidth) : null;
    gatherRows(d.x.data, d.features, order, start, n, xb);
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
  o: FitOptions,
  pause: (() => Promise<void>) | null,
): Promise<EpochLogs[]> {
  if (typeof o !== 'object' || o === null) fail('ERR_INVALID_ARG', 'fit: options are required ({ optimizer, epochs, batchSize, … })');
  const optimizer = o.optimizer;
  if (optimizer === undefined || typeof (optimizer as Optimizer).step !== 'function')
    fail('ERR_INVALID_ARG', 'fit: options.optimizer is required (e.g. new SGD(model.parameters(), { lr: 0.1 }))');
  const epochs = positiveInteger('fit', 'epochs', o.epochs ?? 1);
  const initialEpoch = checkInitialEpoch(o.initialEpoch);
  const batchSize = positiveInteger('fit', 'batchSize', o.batchSize ?? 32);
  const lossFn = o.loss === undefined ? null : getLoss(o.loss);
  const l2 = o.l2 ?? 0;
  if (typeof l2 !== 'number' || !(l2 >= 0) || !Number.isFinite(l2))
    fail('ERR_INVALID_ARG', `fit: l2 must be a finite number >= 0, got ${String(l2)}`);
  const callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  const isClassifier = lossFn === null || lossFn === crossEntropyLoss;

  // On the yielding path, x's values are checked in stretches (below) instead of in one long loop.
  const checkX = pause === null;
  let train = prepareData('fit', model, x, y, isClassifier, checkX);
  if (!checkX) await checkFiniteYielding('fit: x', train.x.data, train.features, pause!);
  let val: Data | null = null;
  if (o.validationData !== undefined && o.validationSplit !== undefined)
    fail('ERR_INVALID_ARG', 'fit: give validationData or validationSplit, not both');
  if (o.validationData !== undefined) {
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) fail('ERR_INVALID_ARG', 'fit: validationData must be [x, y]');
    val = prepareData('fit: validationData', model, o.validationData[0], o.validationData[1], isClassifier, checkX);
    if (!checkX) await checkFiniteYielding('fit: validationData: x', val.x.data, val.features, pause!);
  } else if (o.validationSplit !== undefined) {
    if (typeof o.validationSplit !== 'number' || !(o.validationSplit > 0 && o.validationSplit < 1))
      fail('ERR_INVALID_ARG', `fit: validationSplit must be in (0, 1), got ${String(o.validationSplit)}`);
    [train, val] = splitRows(train, o.validationSplit);
  }
  if (train.rows === 0) fail('ERR_SHAPE', 'fit: x has no rows');
  const loss = lossFn ?? (train.labels ? crossEntropyLoss : getLoss('mse'));
  checkTargetWidth('fit', train, loss, lossFn !== null);
  if (val) checkTargetWidth('fit: validationData', val, loss, lossFn !== null);
  const signal = o.signal;
  if (signal?.aborted) throw abortError(signal, 'fit');

  const rng = o.rng ?? defaultRandom;
  const batcher = new Batcher(train, batchSize);
  const order = new Uint32Array(train.rows);
  const lossWs = new Workspace();
  const history: EpochLogs[] = [];
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
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (o.shuffle !== false) rng.shuffle(order);
    const started = performance.now();
    let lossSum = 0,
      correct = 0,
      seen = 0;
    for (let b = 0; b < batcher.batches; b++) {
      if (signal?.aborted) throw abortError(signal, `fit (epoch ${epoch}, batch ${b + 1})`);
      const batch = batcher.take(b, order);
      const n = batch.x.shape[0];
      model.zeroGrad();
      const out = model.forward(batch.x, { reuse: true, checkInput: false });
      let l = loss(out, batch.labels ?? batch.targets!, { workspace: lossWs, checkTargets: false });
      if (l2 > 0) l = add(l, l2Penalty(model, l2, { workspace: lossWs }), lossWs);
      const value = l.data[0];
      if (!Number.isFinite(value)) {
        fail(
          'ERR_BAD_DATA',
          `fit: the loss became ${value} at epoch ${epoch}, batch ${b + 1} (lower the learning rate, or scale the inputs)`,
        );
      }
      l.backward();
      optimizer.step();
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
    if (val) {
      const r = evaluateData(model, val, loss, batchSize);
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

function evaluateData(model: Sequential, d: Data, loss: LossFn, batchSize: number, withConfusion = false): EvaluateResult {
  model.eval();
  const batcher = new Batcher(d, batchSize);
  const ws = new Workspace();
  let lossSum = 0,
    correct = 0;
  let pred: Int32Array | null = null;
  if (withConfusion && d.labels) pred = new Int32Array(d.rows);
  const classes = d.outWidth;
  noGrad(() => {
    for (let b = 0; b < batcher.batches; b++) {
      const batch = batcher.take(b, null);
      const n = batch.x.shape[0];
      const out = model.forward(batch.x, { reuse: true, checkInput: false });
      lossSum += loss(out, batch.labels ?? batch.targets!, { workspace: ws, checkTargets: false }).data[0] * n;
      if (batch.labels) {
        correct += accuracyOf(out.data, batch.labels, n, classes) * n;
        if (pred) argmax(out.data, n, classes, pred.subarray(b * batchSize, b * batchSize + n));
      }
    }
  });
  const result: EvaluateResult = { loss: d.rows > 0 ? lossSum / d.rows : NaN };
  if (d.labels) result.accuracy = d.rows > 0 ? correct / d.rows : NaN;
  if (pred && d.labels) result.confusion = confusionMatrix(pred, d.labels, classes);
  return result;
}

export interface EvaluateOptions {
  batchSize?: number;
  loss?: LossName | LossFn;
}

/** Loss (and for class labels: accuracy and the confusion matrix) over a dataset, in eval mode. */
export function evaluate(model: Sequential, x: Inputs, y: Targets, options: EvaluateOptions = {}): EvaluateResult {
  const batchSize = positiveInteger('evaluate', 'batchSize', options.batchSize ?? 256);
  const lossFn = options.loss === undefined ? null : getLoss(options.loss);
  const d = prepareData('evaluate', model, x, y, lossFn === null || lossFn === crossEntropyLoss);
  const loss = lossFn ?? (d.labels ? crossEntropyLoss : getLoss('mse'));
  checkTargetWidth('evaluate', d, loss, lossFn !== null);
  const wasTraining = model.training;
  try {
    return evaluateData(model, d, loss, batchSize, true);
  } finally {
    model.train(wasTraining);
  }
}

/** The model's outputs for every row, computed in batches in eval mode (a fresh tensor the caller keeps). */
export function predict(model: Sequential, x: Inputs, options: { batchSize?: number } = {}): Tensor {
  const batchSize = positiveInteger('predict', 'batchSize', options.batchSize ?? 256);
  if (!(x instanceof Tensor) || x.shape.length < 2) fail('ERR_SHAPE', `predict: x must be a Tensor of shape [rows, ...features]`);
  const rows = x.shape[0];
  const sample = x.shape.slice(1);
  const outShape = model.outputShape(sample);
  const features = x.size / Math.max(rows, 1);
  checkFinite('predict: x', x.data, features);
  const outWidth = outShape.reduce((a, b) => a * b, 1);
  const result = new Float32Array(rows * outWidth);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (let start = 0; start < rows; start += batchSize) {
        const n = Math.min(batchSize, rows - start);
        const xb = new Tensor(x.data.subarray(start * features, (start + n) * features), [n, ...sample]);
        const out = model.forward(xb, { reuse: true, checkInput: false });
        result.set(out.data.subarray(0, n * outWidth), start * outWidth);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return new Tensor(result, [rows, ...outShape]);
}
