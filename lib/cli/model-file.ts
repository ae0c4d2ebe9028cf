/**
 * The CLI's model files: checkpoints (lib/io/checkpoint.ts) with the final metrics, the history and the class
 * names. The checkpoint format has no field for class names yet, so they ride in `metrics` as entries
 * "class <index>: <name>" → index (metrics must be numbers); a stopgap until checkpoints carry labels.
 * Without them a CSV with text labels could not be scored: its labels map to indices only through the
 * names the model was trained with.
 */
import { fail } from '../errors.js';
import { Dense } from '../layers/dense.js';
import type { Sequential } from '../layers/sequential.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { EpochLogs } from '../train/callbacks.js';

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

export function saveTrainedModel(
  file: string,
  model: Sequential,
  o: { optimizer: Optimizer; history: EpochLogs[]; classNames?: string[] },
): void {
  const last = o.history[o.history.length - 1];
  const metrics: Record<string, number> = {};
  for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const) {
    const v = last?.[key];
    if (v !== undefined && Number.isFinite(v)) metrics[key] = v;
  }
  o.classNames?.forEach((name, i) => {
    metrics[`class ${i}: ${name}`] = i;
  });
  saveModel(file, model, { optimizer: o.optimizer, epoch: o.history.length, metrics, history: o.history });
}

export function loadTrainedModel(file: string): TrainedModel {
  const { model, metrics, history } = loadModel(file, { restoreRandom: false });
  const first = model.layers[0];
  if (!(first instanceof Dense))
    fail('ERR_IO', `${file}: the model does not start with a Dense layer; the CLI evaluates and predicts with MLPs`);
  const outShape = model.outputShape([first.inFeatures]);
  const names: string[] = [];
  const plain: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    const m = CLASS_KEY.exec(key);
    if (m && Number(m[1]) === value) names[value] = m[2];
    else plain[key] = value;
  }
  const classes = outShape[outShape.length - 1];
  const complete = names.length === classes && names.every((n) => n !== undefined);
  return { model, features: first.inFeatures, classes, classNames: complete ? names : undefined, history, metrics: plain };
}
