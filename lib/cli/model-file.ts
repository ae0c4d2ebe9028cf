/**
 * The CLI's model files: checkpoints (lib/io/checkpoint.ts) with the final metrics, the history, the class names
 * (`classes`: a CSV with text labels maps to indices only through the names the model was trained with) and the
 * range of the raw training features (`inputRange`: evaluate and predict warn about data on another scale). Files
 * from before 0.2 carried class names in `metrics` as "class <index>: <name>"; loadModel gives those as `classes`.
 */
import { foldNormalization, type Normalization } from '../data/normalize.js';
import { fail } from '../errors.js';
import type { StatefulCallback } from '../io/callback-io.js';
import { Dense } from '../layers/dense.js';
import { TargetScaling } from '../layers/target-scaling.js';
import type { Sequential } from '../layers/sequential.js';
import { checkInputRange, type InputRange } from '../data/input-range.js';
import { loadModel, saveModel } from '../io/checkpoint.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { EpochLogs } from '../train/callbacks.js';
import { rowFeatures } from './model-presets.js';
import type { Tokenizer } from '../data/tokenizer.js';
import type { SeriesScaling } from '../data/windows.js';
import { forecastInputShape, readsTokenIds } from '../io/data-metadata.js';
import type { TrainRun } from './resume.js';

const OLD_CLASS_KEY = /^class (\d+): (.*)$/s;

export interface TrainedModel {
  model: Sequential;
  /** Inputs per row the first layer takes. */
  features: number;
  /** Outputs per row (the number of classes, or a regression's targets). */
  classes: number;
  /** A regressor (it ends in TargetScaling): it predicts numbers in the targets' units, not classes. */
  regression: boolean;
  classNames?: string[];
  /** The raw training features' range, when the file records it. */
  inputRange: InputRange | null;
  history: EpochLogs[];
  metrics: Record<string, number>;
  /** A text model's tokenizer: it predicts on raw strings. */
  tokenizer: Tokenizer | null;
  /** A forecaster's window, horizon and scaling. */
  seriesScaling: SeriesScaling | null;
}

export interface SaveTrainedOptions {
  optimizer: Optimizer;
  /** The whole run's history (its length is the epoch saved). */
  history: EpochLogs[];
  /** The epoch whose weights the model holds, for the file's metrics (default: the last; early stopping's best). */
  weightsOf?: EpochLogs;
  classNames?: string[];
  /** The range of the raw training rows (before normalization, which the file folds into its first layer). */
  inputRange?: InputRange;
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
  for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'mae', 'rmse', 'r2', 'valMae', 'valRmse', 'valR2'] as const) {
    const v = last?.[key];
    if (v !== undefined && Number.isFinite(v)) metrics[key] = v;
  }
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
      ...(o.classNames ? { classes: o.classNames } : {}),
      ...(o.inputRange ? { inputRange: o.inputRange } : {}),
      ...(callbacks.length ? { callbacks } : {}),
    });
  } finally {
    restore();
  }
}

/** What a text model reads per text: `length` token ids (an Embedding first) or one frequency per token. */
function textWidth(model: Sequential, tokenizer: Tokenizer, file: string): number {
  if (!readsTokenIds(model)) return tokenizer.size;
  if (tokenizer.length === null)
    fail('ERR_IO', `${file}: the model reads token ids, but its tokenizer has no length to pad the texts to (save it with { length })`);
  return tokenizer.length;
}

export function loadTrainedModel(file: string): TrainedModel {
  const { model, metrics, history, classes: names, inputRange, tokenizer, seriesScaling } = loadModel(file, { restoreRandom: false });
  const plainMetrics = Object.fromEntries(Object.entries(metrics).filter(([key]) => !OLD_CLASS_KEY.test(key)));
  // A text model reads token ids (or bags of tokens), a forecaster windows: their input width comes from the file.
  if (tokenizer !== null || seriesScaling !== null) {
    const shape = seriesScaling !== null ? forecastInputShape(model, seriesScaling)! : [textWidth(model, tokenizer!, file)];
    const out = model.outputShape(shape);
    const classes = out[out.length - 1];
    const complete = names !== null && names.length === classes;
    const features = shape.reduce((a, b) => a * b, 1);
    return {
      model,
      features,
      classes,
      regression: false,
      classNames: complete ? names : undefined,
      inputRange,
      history,
      metrics: plainMetrics,
      tokenizer,
      seriesScaling,
    };
  }
  const features = rowFeatures(model);
  if (features === null)
    fail(
      'ERR_IO',
      `${file}: the model's first layers do not say how many values a row has (the CLI feeds rows: start it with a Dense, ` +
        'or an Unflatten for images)',
    );
  const outShape = model.outputShape([features]);
  // A file from before 0.2 also keeps its class names among the metrics: they are not metrics.
  const plain = Object.fromEntries(Object.entries(metrics).filter(([key]) => !OLD_CLASS_KEY.test(key)));
  const classes = outShape[outShape.length - 1];
  const complete = names !== null && names.length === classes;
  const regression = model.layers[model.layers.length - 1] instanceof TargetScaling;
  return {
    model,
    features,
    classes,
    regression,
    classNames: complete ? names : undefined,
    inputRange,
    history,
    metrics: plain,
    tokenizer: null,
    seriesScaling: null,
  };
}

/** One warning line on stderr when rows lie far outside the range the model was trained on (evaluate, predict). */
export function warnOffScale(m: TrainedModel, x: Float32Array, where: string): void {
  const r = checkInputRange(m.inputRange, x, where, { warn: false });
  if (r.message !== null) process.stderr.write(`neuroblas: warning: ${r.message}\n`);
}
