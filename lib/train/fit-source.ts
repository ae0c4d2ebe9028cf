/**
 * `fit(model, source, options)`: training on a source of batches read as it goes (lib/data/source.ts: CSV and IDX
 * files streamed from disk, or any async iterable or dataset of batches), for data larger than memory. Each batch is
 * one step of the ordinary loop (fitBlocking over that batch: the same checks, loss, step and NaN guards), on the
 * calling thread; the loop awaits the source between steps, so the event loop keeps running. Callbacks, `signal`
 * (stops before the next batch), `initialEpoch` and the history work as in `fit`; validation data may be tensors or
 * another source. Shuffling is the source's (csvBatches' and idxBatches' seeded shuffle buffer). onBatchEnd's
 * `batches` is the dataset's length, or 0 for an iterable (which does not say how many batches it holds).
 */
import { checkKnownKeys, nonNegativeInteger, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { type BatchSource, isBatchSource, passOver } from '../data/source.js';
import type { Sequential } from '../layers/sequential.js';
import type { BatchLogs, EpochLogs, TrainContext, TrainingCallback } from './callbacks.js';
import { abortError } from './abort-error.js';
import { evaluate, type FitOptions, trainLoop } from './loop.js';

/** fit's options for a source: no batchSize, shuffle, validationSplit or worker (the source decides those), no metrics yet. */
export type SourceFitOptions = Omit<
  FitOptions,
  'batchSize' | 'shuffle' | 'validationSplit' | 'validationSeed' | 'worker' | 'validationData' | 'rng' | 'metrics'
> & {
  validationData?: FitOptions['validationData'] | BatchSource;
};

const KEYS = [
  'optimizer',
  'epochs',
  'initialEpoch',
  'loss',
  'l2',
  'classWeight',
  'clipNorm',
  'clipValue',
  'validationData',
  'callbacks',
  'signal',
];

/** Mean loss and accuracy over a validation source, weighted by rows. */
async function evaluateSource(model: Sequential, source: BatchSource, o: SourceFitOptions): Promise<{ loss: number; accuracy?: number }> {
  let rows = 0,
    lossSum = 0,
    correct = 0,
    labelled = true;
  for await (const b of passOver(source)) {
    const n = b.x.shape[0];
    const r = evaluate(model, b.x, b.y, { batchSize: Math.max(n, 1), loss: o.loss });
    lossSum += r.loss * n;
    if (r.accuracy === undefined) labelled = false;
    else correct += r.accuracy * n;
    rows += n;
  }
  if (rows === 0) fail('ERR_INVALID_ARG', 'fit: the validation source gave no batches');
  return labelled ? { loss: lossSum / rows, accuracy: correct / rows } : { loss: lossSum / rows };
}

export async function fitSource(model: Sequential, source: BatchSource, options: SourceFitOptions): Promise<EpochLogs[]> {
  if (typeof options !== 'object' || options === null) fail('ERR_INVALID_ARG', 'fit: options are required ({ optimizer, epochs, … })');
  checkKnownKeys('fit (on a batch source)', options, KEYS);
  const epochs = positiveInteger('fit', 'epochs', options.epochs ?? 1);
  const initialEpoch = options.initialEpoch === undefined ? 0 : nonNegativeInteger('fit', 'initialEpoch', options.initialEpoch);
  const { optimizer, signal } = options;
  const callbacks: TrainingCallback[] =
    options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks];
  const val = options.validationData;
  const step = {
    optimizer,
    epochs: 1,
    shuffle: false,
    loss: options.loss,
    l2: options.l2,
    classWeight: options.classWeight,
    clipNorm: options.clipNorm,
    clipValue: options.clipValue,
    worker: false,
  };
  let stopRequested = false;
  const ctx: TrainContext = {
    model,
    optimizer,
    stop: () => {
      stopRequested = true;
    },
  };
  const history: EpochLogs[] = [];
  model.train();
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  for (let epoch = initialEpoch + 1; epoch <= initialEpoch + epochs && !stopRequested; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
    const started = performance.now();
    let seen = 0,
      lossSum = 0,
      correct = 0,
      batch = 0,
      labelled = true;
    for await (const b of passOver(source)) {
      if (signal?.aborted) throw abortError(signal, `fit (epoch ${epoch}, batch ${batch + 1})`);
      const n = b.x.shape[0];
      if (n === 0) continue;
      batch++;
      const [logs] = await trainLoop(model, b.x, b.y, { ...step, batchSize: n }, null);
      lossSum += logs.loss * n;
      if (logs.accuracy === undefined) labelled = false;
      else correct += logs.accuracy * n;
      seen += n;
      if (callbacks.length > 0) {
        const bl: BatchLogs = {
          batch,
          batches: 'length' in source && typeof source.length === 'number' ? source.length : 0,
          loss: logs.loss,
          accuracy: logs.accuracy,
        };
        for (const cb of callbacks) await cb.onBatchEnd?.(bl, ctx);
      }
    }
    if (seen === 0)
      fail(
        'ERR_INVALID_ARG',
        `fit: the batch source gave no rows in epoch ${epoch}; a generator runs once, so pass an object whose ` +
          '[Symbol.asyncIterator]() starts a new pass (csvBatches, idxBatches) or a dataset with length and readBatch',
      );
    const logs: EpochLogs = { epoch, loss: lossSum / seen, lr: optimizer.lr, seconds: (performance.now() - started) / 1000 };
    if (labelled) logs.accuracy = correct / seen;
    if (val !== undefined) {
      const r = isBatchSource(val) ? await evaluateSource(model, val, options) : evaluate(model, val[0], val[1], { loss: options.loss });
      logs.valLoss = r.loss;
      if (r.accuracy !== undefined) logs.valAccuracy = r.accuracy;
      model.train();
    }
    history.push(logs);
    for (const cb of callbacks) await cb.onEpochEnd?.(logs, ctx);
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history, ctx);
  return history;
}
