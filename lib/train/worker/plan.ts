/**
 * Whether a fit can run in a worker thread, and if so what to send it. A worker rebuilds everything from plain
 * data, so the model must be built from built-in layers (lib/layers/registry.ts) with their state registered
 * (Layer.registerParameter/registerBuffer), the optimizer must be a built-in one over the
 * model's own parameters, the loss a built-in one, and every generator the run draws from must be one whose
 * state can travel. Anything else (a custom loss function, a layer type of your own, a Dropout with its own
 * generator) trains on the caller's thread, yielding between batches; `worker: true` makes that an error instead.
 *
 * In automatic mode, fits whose batches are tiny also stay on the caller's thread: a batch there takes well under
 * a millisecond, so yielding between batches already keeps the event loop responsive, and a worker's start-up
 * (tens of milliseconds, more from TypeScript source) would cost more than it saves.
 */
import { leafLayers, type LayerConfig } from '../../layers/layer.js';
import { isBuiltInLayerType } from '../../layers/registry.js';
import type { Sequential } from '../../layers/sequential.js';
import { bceWithLogitsLoss, crossEntropyLoss, huberLoss, klDivLoss, l1Loss, mseLoss, smoothL1Loss, type LossFn } from '../../losses.js';
import { Optimizer } from '../../optim/optimizer.js';
import { defaultRandom, Random } from '../../random.js';
import type { FitOptions, Inputs, Targets } from '../loop.js';
import { isRebuildable } from './optimizer.js';
import { checkFitMetrics } from '../metrics.js';
import { checkClipOptions } from '../../optim/clip.js';
import type { PlainFitOptions } from './protocol.js';
import { canShareInputs, canShareTargets, unshareableState } from './shared.js';

/** Batch rows × parameters (≈ multiply-adds per forward pass) below which automatic mode stays on the caller's thread. */
export const MIN_BATCH_WORK_FOR_WORKER = 1 << 18;

const LOSS_NAMES = new Map<LossFn, string>([
  [mseLoss, 'mse'],
  [bceWithLogitsLoss, 'bceWithLogits'],
  [crossEntropyLoss, 'crossEntropy'],
  [l1Loss, 'l1'],
  [smoothL1Loss, 'smoothL1'],
  [huberLoss, 'huber'],
  [klDivLoss, 'klDiv'],
]);

/** classWeight as data a worker can receive: arrays and typed arrays as arrays, an object as a plain copy. */
function plainClassWeight(w: unknown): unknown {
  if (typeof w !== 'object' || w === null) return w;
  return 'length' in w ? Array.from(w as ArrayLike<unknown>) : { ...w };
}

export interface WorkerPlan {
  options: PlainFitOptions;
  /** For each optimizer parameter, its index in model.parameters(). */
  paramIndex: number[];
}

const scalar = (v: unknown) => v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';

/** Every layer type in an architecture, containers' layers included. */
function configTypes(config: LayerConfig): string[] {
  return [config.type, ...(Array.isArray(config.layers) ? (config.layers as LayerConfig[]).flatMap(configTypes) : [])];
}

/** The plan, or why this fit cannot leave the caller's thread (a sentence for the `worker: true` error). */
export function planWorkerFit(model: Sequential, x: Inputs, y: Targets, o: FitOptions): WorkerPlan | string {
  if (typeof o !== 'object' || o === null || !(o.optimizer instanceof Optimizer)) return 'options.optimizer is not an optimizer';
  if (!isRebuildable(o.optimizer)) return `the optimizer (${o.optimizer.constructor.name}) is not one of the built-in classes`;
  const params = model.parameters();
  const paramIndex = o.optimizer.params.map((p) => params.indexOf(p as never));
  if (paramIndex.includes(-1)) return 'the optimizer updates tensors that are not parameters of this model';
  let config: LayerConfig;
  try {
    config = model.toConfig();
  } catch (e) {
    return `the model has no config (${(e as Error).message})`;
  }
  const foreign = configTypes(config).find((type) => !isBuiltInLayerType(type));
  if (foreign !== undefined) return `layer type "${foreign}" was registered on this thread, and the worker builds only the built-in types`;
  const stateWhy = unshareableState(model);
  if (stateWhy) return stateWhy;
  // The library's generator travels (its state goes to the worker and comes back); a layer's own does not.
  const ownRng = leafLayers(model).find((l) => l.generators().some((g) => g !== defaultRandom));
  if (ownRng) return `${ownRng.name} draws from its own generator, which cannot follow the model into a worker`;
  if (o.rng !== undefined && !(o.rng instanceof Random)) return 'options.rng is not a Random';
  const callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  const perBatch = callbacks.find((cb) => cb?.changesLrEachBatch === true);
  if (perBatch !== undefined)
    return `${perBatch.constructor.name} changes the learning rate after every batch, which a worker would take up only between epochs`;

  let loss: string | undefined;
  if (typeof o.loss === 'function') {
    loss = LOSS_NAMES.get(o.loss);
    if (loss === undefined) return 'a custom loss function cannot be sent to a worker';
  } else if (o.loss !== undefined) {
    if (typeof o.loss !== 'string') return 'options.loss is neither a name nor a function';
    loss = o.loss;
  }
  // Checked here so that a wrong value fails as fit's error, not in the worker.
  checkClipOptions('fit', o.clipNorm, o.clipValue);
  for (const key of ['epochs', 'initialEpoch', 'batchSize', 'shuffle', 'l2', 'validationSplit', 'validationSeed'] as const) {
    if (!scalar(o[key])) return `options.${key} is not a plain value`;
  }
  if (!canShareInputs(x) || !canShareTargets(y)) return 'x or y is not a tensor or array';
  if (o.validationData !== undefined) {
    const v = o.validationData;
    if (!Array.isArray(v) || v.length !== 2 || !canShareInputs(v[0]) || !canShareTargets(v[1]))
      return 'validationData is not [tensor, targets]';
  }
  const options: PlainFitOptions = {
    epochs: o.epochs,
    initialEpoch: o.initialEpoch,
    batchSize: o.batchSize,
    shuffle: o.shuffle,
    l2: o.l2,
    validationSplit: o.validationSplit,
    validationSeed: o.validationSeed,
    loss,
    classWeight: plainClassWeight(o.classWeight) as PlainFitOptions['classWeight'],
    // Checked here so that a wrong name fails as fit's error, not as a reason not to use a worker.
    metrics: o.metrics === undefined ? undefined : checkFitMetrics('fit', o.metrics).map((m) => m.name),
    clipNorm: o.clipNorm,
    clipValue: o.clipValue,
  };
  for (const key of Object.keys(options) as (keyof PlainFitOptions)[]) if (options[key] === undefined) delete options[key];
  return { options, paramIndex };
}

/** Automatic mode's size test: is one batch heavy enough to be worth a worker? */
export function batchIsHeavy(model: Sequential, x: Inputs, batchSize: unknown): boolean {
  const size = typeof batchSize === 'number' && batchSize > 0 ? batchSize : 32;
  return Math.min(size, x.shape[0]) * model.parameterCount() >= MIN_BATCH_WORK_FOR_WORKER;
}
