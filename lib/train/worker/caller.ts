/**
 * fit in a worker thread, seen from the caller's thread. The worker (thread.ts) owns the training loop; this
 * side shares the weights and data with it, runs the caller's callbacks in order as the worker reports (batch
 * logs without making it wait; epoch hooks with an answer it waits for), turns an AbortSignal into the shared
 * abort flag, and at the end takes back the optimizer's and the generators' state, so the caller's objects end
 * exactly as fitBlocking would have left them. When the promise settles the worker has stopped training, whatever
 * happened: after 'done' or 'failed' it goes back to the pool idle and unref'd (pool.ts), otherwise it is
 * terminated and its exit awaited. Nothing keeps running after resolve, reject or abort.
 */
import type { Worker } from 'node:worker_threads';
import { getBackend, type BackendName } from '../../backend/load.js';
import { NeuroblasError, fail, type ErrorCode } from '../../errors.js';
import type { Sequential } from '../../layers/sequential.js';
import { currentBackend } from '../../ops/current-backend.js';
import { defaultRandom } from '../../random.js';
import { abortError } from '../abort-error.js';
import type { EpochLogs, TrainContext, TrainingCallback } from '../callbacks.js';
import { emitTrainingWarning, type FitOptions, type Inputs, type Targets } from '../loop.js';
import type { WorkerPlan } from './plan.js';
import { acquireWorker, discardWorker, releaseWorker } from './pool.js';
import {
  ABORT_FLAG,
  CONTROL_SLOTS,
  type Ack,
  type FinalState,
  type StartMessage,
  type WorkerMessage,
  type WorkerStart,
} from './protocol.js';
import { shareInputs, shareState, shareTargets } from './shared.js';

/** Models being trained by a worker: a second concurrent fit of the same model would have two writers. */
const training = new WeakSet<Sequential>();

function backendName(name: string): BackendName {
  if (name !== 'js' && name !== 'native') fail('ERR_BACKEND', `fit: cannot send backend ${JSON.stringify(name)} to a worker`);
  getBackend(name); // the same error here as in the worker when it cannot load
  return name;
}

/** The worker's error, as the library error it was (its code and message), on this thread. */
function rebuildError(e: Extract<WorkerMessage, { type: 'failed' }>['error'], signal: AbortSignal | undefined): Error {
  if (e.code === 'ERR_ABORTED' && signal?.aborted) {
    // Rebuilt here so that the message and `cause` carry the caller's own signal.reason.
    const at = e.message.indexOf(': training aborted');
    return abortError(signal, at > 0 ? e.message.slice(0, at) : 'fit');
  }
  if (e.code !== undefined) {
    const err = new NeuroblasError(e.code as ErrorCode, e.message);
    if (e.name !== 'NeuroblasError') err.name = e.name;
    return err;
  }
  return new NeuroblasError('ERR_BACKEND', `fit: the training worker failed: ${e.name}: ${e.message}`);
}

export async function fitInWorker(model: Sequential, x: Inputs, y: Targets, o: FitOptions, plan: WorkerPlan): Promise<EpochLogs[]> {
  if (training.has(model)) fail('ERR_INVALID_ARG', `fit: ${model.name} is already being trained by another fit`);
  const { optimizer, signal } = o;
  if (signal?.aborted) throw abortError(signal, 'fit');
  const callbacks: TrainingCallback[] = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  // Everything that must be the caller's state at the moment of the call is taken now, synchronously; only the
  // data copies below yield (a concurrent fit could otherwise see, or change, the generator in between).
  const taken = {
    backend: backendName(currentBackend().name),
    optimizerBackend: backendName(optimizer.backend.name),
    model: model.toConfig(),
    weights: shareState(model),
    optimizer: { type: optimizer.type, state: optimizer.sharedState(), paramIndex: plan.paramIndex },
    options: plan.options,
    random: defaultRandom.getState(),
    fitRandom: o.rng !== undefined && o.rng !== defaultRandom ? o.rng.getState() : null,
    control: new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4)),
    hooks: {
      trainBegin: callbacks.some((c) => c.onTrainBegin),
      epochBegin: callbacks.some((c) => c.onEpochBegin),
      batchEnd: callbacks.some((c) => c.onBatchEnd),
    },
  };
  const requestAbort = () => Atomics.store(taken.control, ABORT_FLAG, 1);

  let stopRequested = false;
  /** The first error a callback threw: fit rejects with it, as fitBlocking would. */
  let callbackError: { error: unknown } | null = null;
  const ctx: TrainContext = {
    model,
    optimizer,
    stop: () => {
      stopRequested = true;
    },
  };

  const takeBack = (state: FinalState | null | undefined) => {
    if (!state) return;
    optimizer.loadState(state.optimizer, { adopt: true }); // the worker's buffers: ours, or new ones on shared memory
    defaultRandom.setState(state.random);
    if (state.fitRandom && o.rng) o.rng.setState(state.fitRandom);
  };

  const runCallbacks = async (each: (cb: TrainingCallback) => void | Promise<void>) => {
    if (callbackError) return;
    try {
      for (const cb of callbacks) await each(cb);
    } catch (error) {
      callbackError = { error };
      requestAbort();
    }
  };

  training.add(model);
  model.train();
  signal?.addEventListener('abort', requestAbort);
  let worker: Worker | null = null;
  /** The worker reported 'done' or 'failed': its fit is over and its loop is intact. */
  let finished = false;
  let detachListeners = () => {};
  try {
    const start: WorkerStart = {
      ...taken,
      x: await shareInputs(x),
      y: await shareTargets(y),
      validationData: o.validationData ? [await shareInputs(o.validationData[0]), await shareTargets(o.validationData[1])] : null,
    };
    worker = acquireWorker();
    const w = worker;
    const ended = new Promise<EpochLogs[]>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        outcome();
      };
      const handle = async (m: WorkerMessage): Promise<void> => {
        switch (m.type) {
          case 'batch':
            await runCallbacks((cb) => cb.onBatchEnd?.(m.logs, ctx));
            return;
          case 'warning':
            emitTrainingWarning(m.warning);
            return;
          case 'hook': {
            takeBack(m.state);
            if (m.hook === 'trainBegin') await runCallbacks((cb) => cb.onTrainBegin?.(ctx));
            else if (m.hook === 'epochBegin') await runCallbacks((cb) => cb.onEpochBegin?.(m.epoch!, ctx));
            else if (m.hook === 'epochEnd') await runCallbacks((cb) => cb.onEpochEnd?.(m.logs!, ctx));
            else await runCallbacks((cb) => cb.onTrainEnd?.(m.history!, ctx));
            const ack: Ack = { type: 'ack', lr: optimizer.lr, stop: stopRequested, failed: callbackError !== null };
            w.postMessage(ack);
            return;
          }
          case 'done':
            finished = true;
            if (callbackError) settle(() => reject(callbackError!.error));
            else settle(() => resolve(m.history));
            return;
          case 'failed':
            finished = true;
            takeBack(m.state);
            settle(() => reject(callbackError ? callbackError.error : rebuildError(m.error, signal)));
        }
      };
      // One message at a time, in the order sent: callbacks see batches and epochs in the order fitBlocking calls them.
      let queue = Promise.resolve();
      const onMessage = (m: WorkerMessage) => {
        queue = queue.then(() => handle(m)).catch((e) => settle(() => reject(e)));
      };
      const onError = (e: Error) =>
        settle(() => reject(new NeuroblasError('ERR_BACKEND', `fit: the training worker failed: ${e.message}`, { cause: e })));
      const onExit = (code: number) =>
        settle(() => reject(new NeuroblasError('ERR_BACKEND', `fit: the training worker exited (code ${code}) before training ended`)));
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      detachListeners = () => w.off('message', onMessage).off('error', onError).off('exit', onExit);
    });
    const message: StartMessage = { type: 'start', start };
    w.postMessage(message);
    return await ended;
  } finally {
    signal?.removeEventListener('abort', requestAbort);
    if (worker) {
      detachListeners();
      // A worker that ended its fit normally is kept for the next one; any other is ended before we settle.
      if (finished) await releaseWorker(worker);
      else await discardWorker(worker);
    }
    training.delete(model);
    model.train();
  }
}
