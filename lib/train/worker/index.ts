/**
 * fit's worker thread, behind this one module: lib/train/fit.ts asks it to run a fit, and lib/index.ts exports its
 * pool controls; nothing outside this folder imports the files in it.
 *
 *   plan.ts      whether a fit can run in a worker (and is worth one), and the plain data to send it
 *   caller.ts    the caller's side of a fit in a worker: shares state and data, runs the callbacks, takes state back
 *   thread.ts    the worker's entry script: rebuilds the model and optimizer, runs the loop (../loop.ts)
 *   protocol.ts  the messages between the two
 *   shared.ts    the model's state and the data on shared memory, through Layer.namedState()
 *   optimizer.ts the built-in optimizers, rebuilt in the worker from their state
 *   pool.ts      workers kept between fits, and how one is spawned
 */
import { fail } from '../../errors.js';
import type { Sequential } from '../../layers/sequential.js';
import type { EpochLogs } from '../callbacks.js';
import type { FitOptions, Inputs, Targets } from '../loop.js';
import { fitInWorker } from './caller.js';
import { batchIsHeavy, planWorkerFit } from './plan.js';

export { closeTrainingWorkers, idleTrainingWorkers } from './pool.js';

/**
 * The fit run in a worker thread, or null when it should run on the caller's thread: it cannot leave it (an error
 * instead when `required`, saying why), or, unless `required`, its batches are too small to be worth a worker.
 */
export function fitInWorkerIfUseful(
  model: Sequential,
  x: Inputs,
  y: Targets,
  options: FitOptions,
  required: boolean,
): Promise<EpochLogs[]> | null {
  const plan = planWorkerFit(model, x, y, options);
  if (typeof plan === 'string') {
    if (required) fail('ERR_INVALID_ARG', `fit: worker: true, but this fit cannot run in a worker: ${plan}`);
    return null;
  }
  if (!required && !batchIsHeavy(model, x, options.batchSize)) return null;
  return fitInWorker(model, x, y, options, plan);
}
