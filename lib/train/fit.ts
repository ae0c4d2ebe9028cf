/**
 * `fit` and `fitBlocking`, and the model methods for them. `fit` trains in a worker thread (lib/train/worker/)
 * or, for tiny fits and what cannot leave the thread, runs the loop (loop.ts) here, yielding to the event loop
 * between batches, so a server stays responsive; `fitBlocking` runs it here without ever yielding.
 *
 * Sequential is a container that knows nothing of training: this module attaches `fit`, `fitBlocking`
 * (and the deprecated `fitSync`), `evaluate`, `predict` and `predictProba` to it, so whoever can train a model has them.
 */
import { fail } from '../errors.js';
import { Sequential } from '../layers/sequential.js';
import type { Tensor } from '../tensor.js';
import type { EpochLogs } from './callbacks.js';
import {
  checkFitOptions,
  checkInitialEpoch,
  checkOptimizerParams,
  evaluate,
  predict,
  predictProba,
  trainLoop,
  yieldToEventLoop,
  type EvaluateOptions,
  type EvaluateResult,
  type FitOptions,
  type Inputs,
  type PredictOptions,
  type Targets,
} from './loop.js';
import { fitInWorkerIfUseful } from './worker/index.js';
import { type BatchSource, isBatchSource } from '../data/source.js';
import { fitSource, type SourceFitOptions } from './fit-source.js';

export {
  evaluate,
  predict,
  predictProba,
  type EvaluateOptions,
  type EvaluateResult,
  type FitOptions,
  type Inputs,
  type PredictOptions,
  type Targets,
} from './loop.js';

/**
 * Trains the model, off the calling thread when it can (lib/train/worker/), else on it, yielding to the
 * event loop between batches (`options.worker` chooses). Resolves to one EpochLogs per epoch.
 */
export async function fit(model: Sequential, x: Inputs, y: Targets, options: FitOptions): Promise<EpochLogs[]> {
  // Here as well as in the loop: what a worker is not sent (an unknown key, another model's optimizer) or cannot be
  // sent would otherwise be reported as that, or not at all.
  checkFitOptions(options);
  const wanted = options.worker;
  if (wanted !== undefined && typeof wanted !== 'boolean')
    fail('ERR_INVALID_ARG', `fit: worker must be true or false, got ${String(wanted)}`);
  checkInitialEpoch(options.initialEpoch);
  if (options.optimizer !== undefined && options.optimizer !== null) checkOptimizerParams(model, options.optimizer);
  if (wanted !== false) {
    const inWorker = fitInWorkerIfUseful(model, x, y, options, wanted === true);
    if (inWorker !== null) return inWorker;
  }
  return trainLoop(model, x, y, options, yieldToEventLoop);
}

/**
 * The same loop on the calling thread without ever yielding to the event loop, for scripts and benchmarks
 * (callbacks still run; async ones are awaited, so it returns a Promise).
 */
export function fitBlocking(model: Sequential, x: Inputs, y: Targets, options: FitOptions): Promise<EpochLogs[]> {
  return trainLoop(model, x, y, options, null);
}

/**
 * @deprecated Since 0.2: the same function as {@link fitBlocking} (the name said "sync", but it returns a Promise).
 * Will be removed in 0.3.
 */
export const fitSync = fitBlocking;

declare module '../layers/sequential.js' {
  interface Sequential {
    /** Trains on (x, y) in a worker thread when it can (else on this thread, yielding between batches). See lib/train/fit.ts. */
    fit(x: Inputs, y: Targets, options: FitOptions): Promise<EpochLogs[]>;
    /** Trains on a source of batches read as it goes (data larger than memory). See lib/train/fit-source.ts. */
    fit(source: BatchSource, options: SourceFitOptions): Promise<EpochLogs[]>;
    /** The same loop on the calling thread, never yielding to the event loop (for scripts). */
    fitBlocking(x: Inputs, y: Targets, options: FitOptions): Promise<EpochLogs[]>;
    /** @deprecated Since 0.2: use {@link Sequential.fitBlocking}, the same method under an honest name. Will be removed in 0.3. */
    fitSync(x: Inputs, y: Targets, options: FitOptions): Promise<EpochLogs[]>;
    /** Loss, accuracy and confusion matrix over a dataset, in eval mode. */
    evaluate(x: Inputs, y: Targets, options?: EvaluateOptions): EvaluateResult;
    /** Outputs for every row, batched, in eval mode: a classifier's logits (predictProba gives probabilities). */
    predict(x: Inputs, options?: PredictOptions): Tensor;
    /** Probabilities for every row: the softmax of the logits (sigmoid for one output). */
    predictProba(x: Inputs, options?: PredictOptions): Tensor;
  }
}

// model.fit(source, options): a source of batches (fit-source.ts) instead of tensors and targets.
Sequential.prototype.fit = function fitMethod(
  this: Sequential,
  x: Inputs | BatchSource,
  y?: Targets | SourceFitOptions,
  options?: FitOptions,
) {
  return isBatchSource(x) ? fitSource(this, x, y as SourceFitOptions) : fit(this, x as Inputs, y as Targets, options as FitOptions);
} as Sequential['fit'];
Sequential.prototype.fitBlocking = function fitBlockingMethod(this: Sequential, x, y, options) {
  return fitBlocking(this, x, y, options);
};
Sequential.prototype.fitSync = Sequential.prototype.fitBlocking;
Sequential.prototype.evaluate = function evaluateMethod(this: Sequential, x, y, options) {
  return evaluate(this, x, y, options);
};
Sequential.prototype.predict = function predictMethod(this: Sequential, x, options) {
  return predict(this, x, options);
};
Sequential.prototype.predictProba = function predictProbaMethod(this: Sequential, x, options) {
  return predictProba(this, x, options);
};
