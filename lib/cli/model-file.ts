/**
 * The CLI's model files: checkpoints (lib/io/checkpoint.ts) with the final metrics, the history and the class
 * names. The checkpoint format has no field for class names yet, so they ride in `metrics` as entries
 * "class <index>: <name>" → index (metrics must be numbers); a stopgap until checkpoints carry labels.
 * Without them a CSV with text labels could not be scored: its labels map to indices only through the
 * names the model was trained with.
 */
import { foldNormalization, type Normalization } from '../data/normalize.js';
import { fail } from '../errors.js';
import type { StatefulCallback } from '../io/callback-io.js';
import { Dense } from '../layers/dense.js';
import type { Sequential } from '../layers/sequential.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { EpochLogs } from '../train/callbacks.js';
import { rowFeatures } from './model-presets.js';
import type { TrainRun } from './resume.js';

const CLASS_KEY = /^class (\d+): (.*)$/s;

export interface TrainedModel {
  model: Sequential;
  /** Inputs per row the first layer takes. */
  features: number;
  /** Outputs per row (the number of classes). */
  classes: number;
  classNames?: string[];
  history: EpochLogs[];
  metrics: Record<string, number>;
}

export interface SaveTrainedOptions {
  optimizer: Optimizer;
  /** The whole run's history (its length is the epoch saved). */
  history: EpochLogs[];
  /** The epoch whose weights the model holds, for the file's metrics (default: the last; early stopping's best). */
  weightsOf?: EpochLogs;
  classNames?: string[];
  /** The schedule's and early stopping's, whose state is saved (in this order) before the run's. */
  callbacks?: readonly StatefulCallback[];
  /** The run's settings, saved last among the callback states, so --resume can continue it. */
  run?: TrainRun;
  /** Folded into the first layer (a Dense with a bias) in the file, so the saved model takes raw rows. */
  normalization?: Normalization | null;
}

/** The first layer normalization is folded into; checked before training, so a run never fails at its save. */
export function foldTarget(model: Sequential, flag: string): Dense & { bias: NonNullable<Dense['bias']> } {
  const first = model.layers[0];
  if (!(first instanceof Dense) || first.bias === null)
    fail(
      'ERR_INVALID_ARG',
      `${flag}: the statistics are folded into the saved model's first layer, which must be a Dense with a bias ` +
        `(this one starts with ${first?.type ?? 'nothing'}); use --normalize none`,
    );
  return first as Dense & { bias: NonNullable<Dense['bias']> };
}

/**
 * Saves the model as a checkpoint (atomically: the previous file stays whole until the new one is). With a
 * normalization, the file's first layer has it folded in, while the model in memory keeps training on its own
 * weights, unchanged (they are put back bit for bit, and the run's state keeps a copy for --resume).
 */
export function saveTrainedModel(file: string, model: Sequential, o: SaveTrainedOptions): void {
  const last = o.weightsOf ?? o.history[o.history.length - 1];
  const metrics: Record<string, number> = {};
  for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const) {
    const v = last?.[key];
    if (v !== undefined && Number.isFinite(v)) metrics[key] = v;
  }
  o.classNames?.forEach((name, i) => {
    metrics[`class ${i}: ${name}`] = i;
  });
  const callbacks = [...(o.callbacks ?? []), ...(o.run ? [o.run] : [])];
  let restore = () => {};
  if (o.normalization) {
    const first = foldTarget(model, '--normalize');
    const weight = first.weight.data.slice();
    const bias = first.bias.data.slice();
    if (o.run) o.run.firstLayer = { weight, bias };
    foldNormalization(o.normalization, first.weight.data, first.bias.data);
    restore = () => {
      first.weight.data.set(weight);
      first.bias.data.set(bias);
    };
  }
  try {
    saveModel(file, model, {
      optimizer: o.optimizer,
      epoch: o.history.length,
      metrics,
      history: o.history,
      ...(callbacks.length ? { callbacks } : {}),
    });
  } finally {
    restore();
  }
}

export function loadTrainedModel(file: string): TrainedModel {
  const { model, metrics, history } = loadModel(file, { restoreRandom: false });
  const features = rowFeatures(model);
  if (features === null)
    fail(
      'ERR_IO',
      `${file}: the model's first layers do not say how many values a row has (the CLI feeds rows: start it with a Dense, ` +
        'or an Unflatten for images)',
    );
  const outShape = model.outputShape([features]);
  const names: string[] = [];
  const plain: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    const m = CLASS_KEY.exec(key);
    if (m && Number(m[1]) === value) names[value] = m[2];
    else plain[key] = value;
  }
  const classes = outShape[outShape.length - 1];
  const complete = names.length === classes && names.every((n) => n !== undefined);
  return { model, features, classes, classNames: complete ? names : undefined, history, metrics: plain };
}
