/**
 * The training worker's entry script (pool.ts spawns it; nothing imports it), one fit at a time (pool.ts keeps it
 * between fits): for each StartMessage it rebuilds the caller's model from its config over the caller's shared
 * state, rebuilds the optimizer and the random generators from their states, and runs the loop without yielding
 * (fitBlocking's), the same loop as the caller's
 * thread runs, so a seeded run gives the same weights on either side. The caller's callbacks are reached through
 * one bridging callback: batch logs are posted without waiting; at the other hooks the worker waits for the
 * caller's acknowledgment (new lr, stop, a callback that threw). Driven by caller.ts.
 */
import { parentPort } from 'node:worker_threads';
import { getBackend } from '../../backend/load.js';
import { NeuroblasError } from '../../errors.js';
import { Sequential } from '../../layers/sequential.js';
import type { LossName } from '../../losses.js';
import { useBackend } from '../../ops/current-backend.js';
import type { Optimizer } from '../../optim/optimizer.js';
import { defaultRandom, Random } from '../../random.js';
import type { TrainContext, TrainingCallback } from '../callbacks.js';
import { trainLoop, type FitOptions, type TrainingWarning } from '../loop.js';
import { rebuildOptimizer } from './optimizer.js';
import { ABORT_FLAG, type Ack, type FinalState, type HookName, type ToWorker, type WorkerMessage, type WorkerStart } from './protocol.js';
import { adoptState, unshareInputs, unshareTargets } from './shared.js';

/** Thrown into the loop when a caller's callback threw: the caller rejects with that callback's own error. */
class CallerCallbackFailed extends Error {}

const port = parentPort!;
/** Posts a message. The optimizer buffers of a final state are on shared memory: they go without a copy. */
const post = (m: WorkerMessage) => port.postMessage(m);

let answer: ((ack: Ack) => void) | null = null;
port.on('message', (m: ToWorker) => {
  // The caller sends the next start only after this fit's 'done' or 'failed'.
  if (m.type === 'start') {
    void run(m.start);
    return;
  }
  const resolve = answer;
  answer = null;
  resolve?.(m);
});

async function run(start: WorkerStart): Promise<void> {
  let optimizer: Optimizer | null = null;
  let fitRandom: Random | null = null;
  const finalState = (): FinalState | null =>
    optimizer && { optimizer: optimizer.sharedState(), random: defaultRandom.getState(), fitRandom: fitRandom?.getState() ?? null };
  try {
    const backend = getBackend(start.backend);
    useBackend(backend);
    const model = Sequential.fromConfig(start.model, 'fit worker');
    adoptState(model, start.weights);
    const params = model.parameters();
    optimizer = rebuildOptimizer(
      start.optimizer.state,
      start.optimizer.paramIndex.map((i) => params[i]),
      getBackend(start.optimizerBackend),
    );
    // After the model is built: its (discarded) initialization must not advance the caller's stream.
    defaultRandom.setState(start.random);
    if (start.fitRandom) {
      fitRandom = new Random();
      fitRandom.setState(start.fitRandom);
    }
    const controller = new AbortController();
    const checkAbort = () => {
      if (!controller.signal.aborted && Atomics.load(start.control, ABORT_FLAG) === 1) controller.abort();
    };
    checkAbort();
    const trainingOptimizer = optimizer;
    const hook = async (name: HookName, ctx: TrainContext, extra: Partial<Extract<WorkerMessage, { type: 'hook' }>> = {}) => {
      const acked = new Promise<Ack>((resolve) => {
        answer = resolve;
      });
      post({ type: 'hook', hook: name, ...extra });
      const ack = await acked;
      trainingOptimizer.lr = ack.lr;
      if (ack.stop) ctx.stop();
      if (ack.failed) throw new CallerCallbackFailed();
      checkAbort();
    };
    const bridge: TrainingCallback = {
      onTrainBegin: start.hooks.trainBegin ? (ctx) => hook('trainBegin', ctx) : undefined,
      onEpochBegin: start.hooks.epochBegin ? (epoch, ctx) => hook('epochBegin', ctx, { epoch }) : undefined,
      onBatchEnd: (logs) => {
        if (start.hooks.batchEnd) post({ type: 'batch', logs });
        checkAbort();
      },
      // Always: schedules and early stopping act here, and it is where lr and stop requests reach the worker.
      // With the state, so a callback that saves a checkpoint (saveModel with the optimizer) saves this epoch's step
      // counts and generator state; the optimizer's buffers are shared, so this copies none of them.
      onEpochEnd: (logs, ctx) => hook('epochEnd', ctx, { logs, state: finalState()! }),
      onTrainEnd: (history, ctx) => hook('trainEnd', ctx, { history, state: finalState()! }),
    };
    const options: FitOptions = {
      ...start.options,
      loss: start.options.loss as LossName | undefined, // a name the worker's getLoss checks, as fitBlocking's would
      optimizer,
      rng: fitRandom ?? defaultRandom,
      signal: controller.signal,
      callbacks: bridge,
      validationData: start.validationData ? [unshareInputs(start.validationData[0]), unshareTargets(start.validationData[1])] : undefined,
    };
    if (options.validationData === undefined) delete options.validationData;
    // Warnings go to the caller's thread, which emits them on its process (the worker's own would print a second copy).
    const warn = (warning: TrainingWarning) => post({ type: 'warning', warning });
    const history = await trainLoop(model, unshareInputs(start.x), unshareTargets(start.y), options, null, warn);
    post({ type: 'done', history });
  } catch (e) {
    const err = e as { code?: unknown; name?: unknown; message?: unknown };
    const code = e instanceof NeuroblasError ? e.code : typeof err?.code === 'string' ? err.code : undefined;
    post({
      type: 'failed',
      error: {
        code,
        name: String(err?.name ?? 'Error'),
        message: e instanceof CallerCallbackFailed ? 'a callback threw' : String(err?.message ?? e),
      },
      state: finalState(),
    });
  }
}
