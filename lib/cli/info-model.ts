/**
 * `neuroblas info <model.safetensors>`: what a checkpoint holds, without training or scoring anything — the
 * architecture summary, the parameter count, the training metadata (epoch, metrics, history, optimizer), the
 * classes, the input range and the backend it was trained on when the file records them, and the neuroblas version
 * that saved it. Everything is read through loadModel (which checks the file and its checksum first).
 */
import { loadModel } from '../io/checkpoint.js';
import type { SeriesScaling } from '../data/windows.js';
import { forecastInputShape, readsTokenIds } from '../io/data-metadata.js';
import { Conv2d } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import type { Layer } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { TargetScaling } from '../layers/target-scaling.js';
import { plural } from '../check.js';
import type { EpochLogs } from '../train/callbacks.js';
import { type Output, pct } from './output.js';

/** A float32 value as a person reads it: 4.4, not 4.400000095367432. */
const short = (v: number): number => Number(v.toPrecision(6));

/** The CLI's stopgap for class names in checkpoints (lib/cli/model-file.ts): metrics "class <i>: <name>" → i. */
const CLASS_KEY = /^class (\d+): (.*)$/s;

export interface ModelInfo {
  file: string;
  libraryVersion: string;
  summary: string;
  /** Per-sample input shape, when the first layer tells it (a Dense layer); null otherwise. */
  inputShape: number[] | null;
  outputShape: number[] | null;
  /** The first layer's input channels, when it is a Conv2d (its height and width are not in the file). */
  inputChannels: number | null;
  layers: { name: string; type: string; outputShape: number[] | null; parameters: number }[];
  parameters: number;
  trainableParameters: number;
  nonTrainableParameters: number;
  epoch: number;
  metrics: Record<string, number>;
  historyLength: number;
  lastEpoch: EpochLogs | null;
  optimizer: { type: string; lr: number } | null;
  classes: number | null;
  classNames: string[] | null;
  /** A regressor (it ends in TargetScaling): its targets' mean and standard deviation, which it predicts in. */
  regression: { mean: number[]; std: number[] } | null;
  inputRange: unknown;
  backend: string | null;
  /** A text model's tokenizer, in short (its vocabulary is in the file), or null. */
  tokenizer: { level: string; lowercase: boolean; vocabularySize: number; length: number | null } | null;
  /** A forecaster's window, horizon and scaling, or null. */
  series: SeriesScaling | null;
}

function firstLayer(model: Sequential): Layer | undefined {
  const first = model.layers[0];
  return first instanceof Sequential ? firstLayer(first) : first;
}

function layerParameters(layer: Layer): number {
  return layer.parameters().reduce((n, p) => n + p.size, 0) + layer.namedBuffers().reduce((n, [, b]) => n + b.length, 0);
}

/** Class names from the checkpoint: its own `classes` field when it has one, else the CLI's metrics entries. */
function classNamesOf(ckpt: object, metrics: Record<string, number>): string[] | null {
  const own = (ckpt as { classes?: unknown }).classes;
  if (Array.isArray(own) && own.every((n) => typeof n === 'string')) return [...own];
  const names: string[] = [];
  for (const [key, value] of Object.entries(metrics)) {
    const m = CLASS_KEY.exec(key);
    if (m && Number(m[1]) === value) names[value] = m[2];
  }
  return names.length > 0 && names.every((n) => n !== undefined) ? names : null;
}

export function readModelInfo(file: string): ModelInfo {
  const ckpt = loadModel(file, { restoreRandom: false });
  const { model } = ckpt;
  const first = firstLayer(model);
  const recorded = (ckpt as { inputShape?: unknown }).inputShape;
  const { tokenizer, seriesScaling } = ckpt;
  const inputShape =
    Array.isArray(recorded) && recorded.every((n) => Number.isInteger(n))
      ? [...recorded]
      : seriesScaling !== null
        ? forecastInputShape(model, seriesScaling)
        : tokenizer !== null && readsTokenIds(model) && tokenizer.length !== null
          ? [tokenizer.length]
          : first instanceof Dense
            ? [first.inFeatures]
            : null;
  const layers: ModelInfo['layers'] = [];
  let shape: number[] | null = inputShape;
  for (const layer of model.layers) {
    shape = shape === null ? null : layer.outputShape(shape);
    layers.push({ name: layer.name, type: layer.type, outputShape: shape, parameters: layerParameters(layer) });
  }
  const trainable = model.parameterCount();
  const total = layers.reduce((n, l) => n + l.parameters, 0);
  const metrics = Object.fromEntries(Object.entries(ckpt.metrics).filter(([key]) => !CLASS_KEY.test(key)));
  const classNames = classNamesOf(ckpt, ckpt.metrics);
  const backend = (ckpt as { backend?: unknown }).backend;
  const last = model.layers[model.layers.length - 1];
  const scaling = last instanceof TargetScaling ? last : null;
  return {
    file,
    libraryVersion: ckpt.libraryVersion,
    summary: inputShape ? model.summary(inputShape) : '',
    inputShape,
    outputShape: shape,
    inputChannels: first instanceof Conv2d ? first.inChannels : null,
    layers,
    parameters: total,
    trainableParameters: trainable,
    nonTrainableParameters: total - trainable,
    epoch: ckpt.epoch,
    metrics,
    historyLength: ckpt.history.length,
    lastEpoch: ckpt.history.at(-1) ?? null,
    optimizer: ckpt.optimizer ? { type: ckpt.optimizer.type, lr: ckpt.optimizer.lr } : null,
    classes: seriesScaling !== null || scaling ? null : (classNames?.length ?? (shape ? shape[shape.length - 1] : null)),
    regression: scaling ? { mean: Array.from(scaling.mean.data, short), std: Array.from(scaling.std.data, short) } : null,
    classNames,
    inputRange: (ckpt as { inputRange?: unknown }).inputRange ?? null,
    backend: typeof backend === 'string' ? backend : null,
    tokenizer:
      tokenizer === null
        ? null
        : { level: tokenizer.level, lowercase: tokenizer.lowercase, vocabularySize: tokenizer.size, length: tokenizer.length },
    series: seriesScaling,
  };
}

/** An input range in words, whatever form the checkpoint gives it in ({min, max} of numbers or of arrays). */

function formatRange(range: unknown): string {
  if (typeof range === 'object' && range !== null && 'min' in range && 'max' in range) {
    const { min, max } = range as { min: unknown; max: unknown };
    if (typeof min === 'number' && typeof max === 'number') return `[${short(min)}, ${short(max)}]`;
    if (Array.isArray(min) && Array.isArray(max) && min.length > 0) {
      const lo = short(Math.min(...(min as number[])));
      const hi = short(Math.max(...(max as number[])));
      if (min.length === 1) return `[${lo}, ${hi}] (one range for every feature)`;
      return `[${lo}, ${hi}] over ${min.length} features (per-feature ranges in --json)`;
    }
  }
  return JSON.stringify(range);
}

function lastEpochText(l: EpochLogs | null): string {
  if (l === null) return '';
  const parts = [`loss ${l.loss.toFixed(4)}`];
  if (l.accuracy !== undefined) parts.push(`accuracy ${pct(l.accuracy)}`);
  if (l.valLoss !== undefined) parts.push(`val loss ${l.valLoss.toFixed(4)}`);
  if (l.valAccuracy !== undefined) parts.push(`val accuracy ${pct(l.valAccuracy)}`);
  return `; last epoch: ${parts.join(', ')}`;
}

export function printModelInfo(out: Output, info: ModelInfo): void {
  out.record({ ...info });
  out.human(`${info.file}: neuroblas checkpoint saved by neuroblas ${info.libraryVersion}`);
  if (info.summary !== '') out.human(info.summary);
  else {
    const width = Math.max(...info.layers.map((l) => `${l.name} (${l.type})`.length));
    for (const l of info.layers) out.human(`${`${l.name} (${l.type})`.padEnd(width)}  ${l.parameters}`);
  }
  out.human(`parameters: ${info.parameters} (${info.trainableParameters} trainable, ${info.nonTrainableParameters} non-trainable)`);
  const input =
    info.inputShape?.length === 1
      ? `${info.inputShape[0]} features per row`
      : info.inputShape
        ? `shape (${info.inputShape.join(', ')}) per sample`
        : info.inputChannels !== null
          ? `${info.inputChannels} channel${info.inputChannels === 1 ? '' : 's'}, height and width not recorded in the file`
          : 'shape not recorded in the file';
  out.human(`input: ${input}${info.inputRange === null ? '' : `; range ${formatRange(info.inputRange)}`}`);
  if (info.regression !== null) {
    const n = info.regression.mean.length;
    out.human(
      `task: regression, ${plural(n, 'target')} predicted in ${n === 1 ? 'its' : 'their'} units ` +
        `(training targets' mean ${info.regression.mean.join(', ')}, standard deviation ${info.regression.std.join(', ')})`,
    );
  }
  if (info.tokenizer !== null) {
    const t = info.tokenizer;
    out.human(
      `text: ${t.level}-level tokens${t.lowercase ? ' (lowercased)' : ''}, vocabulary ${t.vocabularySize}` +
        `${t.length === null ? '' : `, ${t.length} tokens per text`}`,
    );
  }
  if (info.series !== null) {
    const s = info.series;
    out.human(`series: window ${s.window}, horizon ${s.horizon}, ${s.features} feature(s), ${s.kind} scaling fitted on the training part`);
  }
  if (info.classes !== null)
    out.human(`classes: ${info.classes}${info.classNames ? `: ${info.classNames.join(', ')}` : ' (indices, no names)'}`);
  const optimizer = info.optimizer ? `, ${info.optimizer.type} lr ${info.optimizer.lr}` : ', no optimizer state';
  out.human(
    `trained: ${info.epoch} epoch${info.epoch === 1 ? '' : 's'} (history of ${info.historyLength})` +
      `${optimizer}${lastEpochText(info.lastEpoch)}`,
  );
  const shown = info.lastEpoch ? ['loss', 'accuracy', 'valLoss', 'valAccuracy'] : [];
  const plain = Object.entries(info.metrics).filter(([k]) => !shown.includes(k));
  if (plain.length > 0) out.human(`metrics: ${plain.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.human(`backend: ${info.backend ?? 'not recorded in the file'}`);
}
