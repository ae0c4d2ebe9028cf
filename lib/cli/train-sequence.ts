/**
 * `neuroblas train` on text and on a time series (train.ts hands these over):
 *
 * - **Text classifier**: `--data file.tsv|file.txt` of `label<TAB>text` lines (lib/data/text.ts). A tokenizer
 *   (`--tokens char|word`, `--vocab-size`, `--min-count`, `--lowercase`, `--max-length`) is built from the training
 *   rows only and saved in the checkpoint, so `predict` takes raw strings. A model whose first layer is an Embedding
 *   reads token ids padded to `--max-length`; any other (the `mlp` preset: vocabulary → 100 relu → classes) reads
 *   bag-of-token frequencies. Validation: a seeded random, stratified `--validation-split` (default 0.2) of the lines.
 * - **Forecaster**: `--data file.csv --series-column NAME|INDEX --window T [--horizon H]`: the column, in file order,
 *   as a series (lib/data/series-csv.ts), windows split by time with the last `--validation-split` (default 0.2)
 *   held out, scaling (`--scaling`) fitted on the training part (lib/data/windows.ts) and saved, trained with the
 *   mean squared error. The `mlp` preset is window → 100 relu → horizon; a spec's model may take `[window, 1]`
 *   (an LSTM) or flat rows. The run ends with the validation MAE and RMSE in the series' units beside the naive
 *   forecast (every step equals the last one seen).
 *
 * A spec file may write sizes that depend on the data as placeholders, replaced before the model is built:
 * "$vocab" (the tokenizer's size), "$length" (--max-length), "$classes", "$window", "$horizon", "$features",
 * "$outputs" (horizon × predicted features). E.g. `{ "type": "Embedding", "numEmbeddings": "$vocab", … }`.
 */
import fs from 'node:fs';
import { Option } from 'commander';
import { plural } from '../check.js';
import { Tokenizer, TOKEN_LEVELS, type TokenLevel, MAX_SEQUENCE_LENGTH } from '../data/tokenizer.js';
import { readLabelledText, isTextDataFile, type LabelledText } from '../data/text.js';
import { readSeriesColumn } from '../data/series-csv.js';
import { SCALING_KINDS, seriesWindows, unscaleTargets, type ScalingKind, type SeriesScaling, type Windows } from '../data/windows.js';
import { trainValidationSplit } from '../data/split.js';
import { sharedFloat32 } from '../shared-memory.js';
import { fail, NeuroblasError } from '../errors.js';
import { forecastInputShape, readsTokenIds } from '../io/data-metadata.js';
import { saveModel } from '../io/checkpoint.js';
import type { StatefulCallback } from '../io/callback-io.js';
import { Sequential } from '../layers/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import type { EpochLogs, TrainingCallback } from '../train/callbacks.js';
import { fit, predict } from '../train/fit.js';
import { writeCurvesSvg } from '../plot/svg-curves.js';
import { noGrad } from '../graph.js';
import { CliExit, EXIT_INTERRUPTED, watchInterrupt } from './interrupt.js';
import { buildMlp, buildOptimizer, layerWidths, type ModelFlags } from './model-spec.js';
import { buildEarlyStopping, buildSchedule, type LrSchedule } from './schedule-option.js';
import { checkModelFitsData } from './model-presets.js';
import { parseColumn, parsePositiveInt } from './options.js';
import { Output, pct } from './output.js';
import { progressBar } from './progress.js';
import { applyRuntime, checkWritable, type RuntimeFlags } from './runtime.js';

/** --max-length when not given: the 95th percentile of the training texts' token counts, within these bounds. */
const MAX_DEFAULT_LENGTH = 512;
const DEFAULT_VALIDATION = 0.2;

export interface SequenceFlags extends RuntimeFlags, ModelFlags {
  epochs: number;
  batchSize: number;
  validationSplit?: number;
  limit?: number;
  lrSchedule?: LrSchedule;
  earlyStopping?: number;
  save?: string;
  plot?: string;
  json?: boolean;
  progress: boolean;
  tokens: TokenLevel;
  maxLength?: number;
  vocabSize?: number;
  minCount?: number;
  lowercase?: boolean;
  seriesColumn?: string | number;
  window?: number;
  horizon?: number;
  scaling: ScalingKind;
}

/** The flags `train` has for text and series data. */
export function sequenceOptions(): Option[] {
  return [
    new Option('--tokens <level>', 'text: character- or word-level tokens').choices(TOKEN_LEVELS).default('char'),
    new Option(
      '--max-length <n>',
      'text: tokens per text for an Embedding model (default: 95th percentile of the training texts)',
    ).argParser(parsePositiveInt),
    new Option('--vocab-size <n>', 'text: the largest vocabulary, <pad> and <unk> included').argParser(parsePositiveInt),
    new Option('--min-count <n>', 'text: tokens seen fewer times in training are <unk> (default 1)').argParser(parsePositiveInt),
    new Option('--lowercase', 'text: fold case before tokenizing'),
    new Option('--series-column <name|index>', 'CSV: forecast this column (the rows are time steps, oldest first)').argParser(parseColumn),
    new Option('--window <n>', 'series: input steps per window').argParser(parsePositiveInt),
    new Option('--horizon <n>', 'series: steps predicted after each window (default 1)').argParser(parsePositiveInt),
    new Option('--scaling <kind>', 'series: scaling fitted on the training part').choices(SCALING_KINDS).default('standardize'),
  ];
}

/** Whether `train` should hand the run to trainSequence: a text file, or --series-column. */
export function isSequenceRun(flags: { data?: string; seriesColumn?: unknown }): boolean {
  return flags.seriesColumn !== undefined || (flags.data !== undefined && isTextDataFile(flags.data));
}

/** On a tabular run (not text, no --series-column), the text and series flags are refused rather than ignored. */
export function refuseSequenceFlags(given: (key: string) => boolean): void {
  const keys = ['tokens', 'maxLength', 'vocabSize', 'minCount', 'lowercase', 'window', 'horizon', 'scaling'];
  const flag = keys.find(given);
  if (flag !== undefined)
    fail(
      'ERR_INVALID_ARG',
      `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to text data (--data *.tsv|*.txt) or a series ` +
        '(--series-column), not to this --data',
    );
}

/** Flags of tabular runs that mean nothing here: refused rather than ignored. */
function refuseOthers(given: (key: string) => boolean, text: boolean): void {
  const refused: [string, string][] = [
    ['resume', '--resume'],
    ['normalize', '--normalize'],
    ['labelColumn', '--label-column'],
    ['allowManyClasses', '--allow-many-classes'],
  ];
  if (text) refused.push(['window', '--window'], ['horizon', '--horizon'], ['scaling', '--scaling']);
  else refused.push(['tokens', '--tokens'], ['maxLength', '--max-length'], ['vocabSize', '--vocab-size'], ['minCount', '--min-count']);
  if (!text) refused.push(['lowercase', '--lowercase']);
  for (const [key, flag] of refused) {
    if (given(key))
      fail(
        'ERR_INVALID_ARG',
        `${flag} does not apply to ${text ? 'a text classifier (--data *.tsv|*.txt)' : 'a forecaster (--series-column)'}` +
          `${key === 'resume' ? ' (resuming text and series runs is not supported yet)' : ''}`,
      );
  }
}

/** The spec file's JSON with the data-dependent placeholders replaced. */
function specWithSizes(file: string, sizes: Record<string, number>): Sequential {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail('ERR_IO', `--model ${file}: ${code === 'ENOENT' ? 'not a preset (mlp) and no such file' : `cannot read (${code})`}`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text, (_key, value) => {
      if (typeof value !== 'string' || !value.startsWith('$')) return value;
      const name = value.slice(1);
      if (!Object.hasOwn(sizes, name))
        fail(
          'ERR_INVALID_ARG',
          `--model ${file}: unknown placeholder "${value}" (known: ${Object.keys(sizes)
            .map((k) => `$${k}`)
            .join(', ')})`,
        );
      return sizes[name];
    });
  } catch (e) {
    if (e instanceof NeuroblasError) throw e;
    return fail('ERR_INVALID_ARG', `--model ${file}: not valid JSON (${(e as Error).message})`);
  }
  const config = Array.isArray(spec) ? { type: 'Sequential', layers: spec } : spec;
  return Sequential.fromConfig(config, `--model ${file}`);
}

/** Seeded random `limit` rows of labelled text (all when fewer), in file order. */
function limitText(d: LabelledText, limit: number | undefined, seed: number): LabelledText {
  if (limit === undefined || limit >= d.texts.length) return d;
  const keep = new Random(seed + 1).permutation(d.texts.length).subarray(0, limit).sort();
  return { texts: Array.from(keep, (i) => d.texts[i]), y: Int32Array.from(keep, (i) => d.y[i]), classNames: d.classNames };
}

function percentile95(counts: number[]): number {
  const sorted = [...counts].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? 1;
}

interface Prepared {
  model: Sequential;
  description: string;
  x: Tensor;
  y: Int32Array | Tensor;
  valX: Tensor;
  valY: Int32Array | Tensor;
  rows: number;
  valRows: number;
  summary: string;
  save: { classes?: string[]; tokenizer?: Tokenizer; seriesScaling?: SeriesScaling };
  /** Series only: the validation report at the end. */
  windows?: Windows;
  inputShape?: number[];
}

function shared(a: Float32Array): Float32Array {
  const s = sharedFloat32(a.length);
  s.set(a);
  return s;
}

function prepareText(f: SequenceFlags, given: (key: string) => boolean): Prepared {
  const file = f.data!;
  const all = limitText(readLabelledText(file), f.limit, f.seed ?? 1);
  const classes = all.classNames.length;
  if (classes < 2) fail('ERR_LABEL', `${file}: one class (${all.classNames[0]}); a classifier needs at least two`);
  const split = trainValidationSplit(all.texts.length, f.validationSplit ?? DEFAULT_VALIDATION, {
    labels: all.y,
    seed: (f.seed ?? 1) + 2,
    owner: '--validation-split',
  });
  const pick = (rows: ArrayLike<number>) => ({
    texts: Array.from(rows, (i) => all.texts[i]),
    y: Int32Array.from(rows, (i) => all.y[i]),
  });
  const train = pick(split.train);
  const val = pick(split.validation);
  const probe = Tokenizer.fit(train.texts, { level: f.tokens, maxSize: f.vocabSize, minCount: f.minCount, lowercase: f.lowercase });
  const length = f.maxLength ?? Math.min(MAX_DEFAULT_LENGTH, Math.max(1, percentile95(train.texts.map((t) => probe.tokenize(t).length))));
  if (length > MAX_SEQUENCE_LENGTH) fail('ERR_INVALID_ARG', `--max-length must be at most ${MAX_SEQUENCE_LENGTH}`);
  const tokenizer = Tokenizer.fromJSON({ ...probe.toJSON(), length });
  const sizes = { vocab: tokenizer.size, length, classes };
  const spec = f.model ?? 'mlp';
  let model: Sequential;
  let description: string;
  if (spec === 'mlp') {
    const widths = layerWidths(f.layers, tokenizer.size, classes, `${file}'s vocabulary`);
    model = buildMlp(widths, f.activation);
    description = `bag-of-${f.tokens === 'char' ? 'characters' : 'words'} ${widths.join('-')} ${f.activation} MLP`;
  } else {
    if (given('layers') || given('activation')) fail('ERR_INVALID_ARG', `--layers and --activation apply to --model mlp, not ${spec}`);
    model = specWithSizes(spec, sizes);
    description = spec;
  }
  const ids = readsTokenIds(model);
  const features = ids ? length : tokenizer.size;
  checkModelFitsData(model, `--model ${spec}`, { features, classes, name: `${file}'s ${ids ? 'token ids' : 'token bags'}` });
  const encode = (texts: string[]) => shared(ids ? tokenizer.encodeBatch(texts).ids : tokenizer.bagOfTokens(texts));
  return {
    model,
    description,
    x: new Tensor(encode(train.texts), [train.texts.length, features]),
    y: train.y,
    valX: new Tensor(encode(val.texts), [val.texts.length, features]),
    valY: val.y,
    rows: train.texts.length,
    valRows: val.texts.length,
    summary:
      `${plural(classes, 'class', 'classes')} (${all.classNames.join(', ')}), ${f.tokens} tokens, vocabulary ${tokenizer.size}` +
      `${ids ? `, ${length} tokens per text` : ', bags of tokens'}`,
    save: { classes: all.classNames, tokenizer },
  };
}

function prepareSeries(f: SequenceFlags, given: (key: string) => boolean): Prepared {
  const file = f.data!;
  if (f.window === undefined) fail('ERR_INVALID_ARG', '--series-column needs --window <steps>: how many past steps each forecast reads');
  const column = readSeriesColumn(file, f.seriesColumn!);
  const windows = seriesWindows(column.values, {
    window: f.window,
    horizon: f.horizon ?? 1,
    validation: f.validationSplit ?? DEFAULT_VALIDATION,
    scaling: f.scaling,
  });
  if (windows.validation.rows === 0)
    fail(
      'ERR_INVALID_ARG',
      `${file}: the validation part (the last ${(f.validationSplit ?? DEFAULT_VALIDATION) * 100} %) is too short for one window ` +
        `of ${f.window} + ${f.horizon ?? 1} steps; raise --validation-split or lower --window`,
    );
  const sc = windows.scaling;
  const outputs = sc.horizon * sc.targets.length;
  const spec = f.model ?? 'mlp';
  let model: Sequential;
  let description: string;
  if (spec === 'mlp') {
    const widths = f.layers ?? [sc.window, 100, outputs];
    if (widths[0] !== sc.window || widths[widths.length - 1] !== outputs)
      fail('ERR_INVALID_ARG', `--layers must start with the window (${sc.window}) and end with the horizon (${outputs})`);
    model = buildMlp(widths, f.activation);
    description = `${widths.join('-')} ${f.activation} MLP`;
  } else {
    if (given('layers') || given('activation')) fail('ERR_INVALID_ARG', `--layers and --activation apply to --model mlp, not ${spec}`);
    model = specWithSizes(spec, { window: sc.window, horizon: sc.horizon, features: sc.features, outputs });
    description = spec;
  }
  const inputShape = forecastInputShape(model, sc);
  if (inputShape === null)
    fail(
      'ERR_INVALID_ARG',
      `--model ${spec}: takes neither [${sc.window}, ${sc.features}] (steps × features) nor [${sc.window * sc.features}] (flat) ` +
        `windows to ${outputs} outputs`,
    );
  const t = (a: Float32Array, rows: number, shape: number[]) => new Tensor(shared(a), [rows, ...shape]);
  return {
    model,
    description,
    x: t(windows.train.x, windows.train.rows, inputShape),
    y: t(windows.train.y, windows.train.rows, [outputs]),
    valX: t(windows.validation.x, windows.validation.rows, inputShape),
    valY: t(windows.validation.y, windows.validation.rows, [outputs]),
    rows: windows.train.rows,
    valRows: windows.validation.rows,
    summary:
      `column ${column.name} (${column.values.length} steps), window ${sc.window}, horizon ${sc.horizon}, ${sc.kind} scaling ` +
      `from the first ${windows.splitAt[0]} steps, validation on the last ${column.values.length - windows.splitAt[0]}`,
    save: { seriesScaling: sc },
    windows,
    inputShape,
  };
}

/** MAE and RMSE in the series' units of predictions against targets (both scaled). */
function errors(sc: SeriesScaling, pred: ArrayLike<number>, target: ArrayLike<number>): { mae: number; rmse: number } {
  const p = unscaleTargets(sc, pred);
  const t = unscaleTargets(sc, target);
  let abs = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    abs += Math.abs(p[i] - t[i]);
    sq += (p[i] - t[i]) ** 2;
  }
  return { mae: abs / p.length, rmse: Math.sqrt(sq / p.length) };
}

/** The naive forecast of each validation window: every step equals the window's last value (scaled). */
function naive(w: Windows): Float32Array {
  const { window: W, features: F, horizon: H, targets } = w.scaling;
  const set = w.validation;
  const out = new Float32Array(set.rows * H * targets.length);
  for (let r = 0; r < set.rows; r++)
    for (let h = 0; h < H; h++)
      targets.forEach((f, j) => {
        out[(r * H + h) * targets.length + j] = set.x[(r * W + W - 1) * F + f];
      });
  return out;
}

export async function trainSequence(flags: SequenceFlags, given: (key: string) => boolean): Promise<void> {
  const text = flags.seriesColumn === undefined;
  refuseOthers(given, text);
  const out = new Output(flags.json === true || !process.stdout.isTTY);
  checkWritable('--save', flags.save);
  checkWritable('--plot', flags.plot);
  const runtime = applyRuntime(flags);
  const p = text ? prepareText(flags, given) : prepareSeries(flags, given);
  const { model } = p;
  const optimizer: Optimizer = buildOptimizer(model.parameters(), flags);
  out.say(`neuroblas: ${p.description} on ${flags.data}: ${p.summary}`);
  out.say(
    `neuroblas: ${plural(p.rows, 'training row')}, validation on ${plural(p.valRows, 'row')}; ${flags.optimizer} lr ${optimizer.lr}, ` +
      `batch ${flags.batchSize}, ${plural(flags.epochs, 'epoch')}, seed ${flags.seed}; ${runtime.backend} backend`,
  );

  const stateful: (StatefulCallback & TrainingCallback)[] = [];
  if (flags.lrSchedule !== undefined)
    stateful.push(buildSchedule(flags.lrSchedule, optimizer, { epochs: flags.epochs, stepsPerEpoch: Math.ceil(p.rows / flags.batchSize) }));
  if (flags.earlyStopping !== undefined) stateful.push(buildEarlyStopping(flags.earlyStopping));
  const logs: EpochLogs[] = [];
  let savedEpoch: number | null = null;
  const saveRun = (history: EpochLogs[]) => {
    const last = history[history.length - 1];
    const metrics: Record<string, number> = {};
    for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy'] as const)
      if (last?.[key] !== undefined && Number.isFinite(last[key])) metrics[key] = last[key]!;
    saveModel(flags.save!, model, { optimizer, epoch: history.length, metrics, history, callbacks: stateful, ...p.save });
  };
  const callbacks: TrainingCallback[] = [];
  const bar =
    flags.progress && process.stderr.isTTY ? progressBar({ epochs: flags.epochs, rows: p.rows, batchSize: flags.batchSize }) : null;
  if (bar) callbacks.push(bar);
  callbacks.push(...stateful, {
    onEpochEnd(l) {
      logs.push(l);
      out.record({
        epoch: l.epoch,
        epochs: flags.epochs,
        loss: l.loss,
        accuracy: l.accuracy ?? null,
        valLoss: l.valLoss ?? null,
        valAccuracy: l.valAccuracy ?? null,
        seconds: l.seconds,
        samplesPerSecond: l.seconds > 0 ? p.rows / l.seconds : null,
        lr: l.lr,
        backend: runtime.backend,
      });
      const acc = text
        ? `  acc ${pct(l.accuracy)}  ·  val loss ${l.valLoss?.toFixed(4)}  acc ${pct(l.valAccuracy)}`
        : `  ·  val loss ${l.valLoss?.toFixed(4)}`;
      out.human(`epoch ${l.epoch}/${flags.epochs}  loss ${l.loss.toFixed(4)}${acc}  ·  ${l.seconds.toFixed(2)} s`);
      if (flags.save !== undefined) {
        saveRun(logs);
        savedEpoch = l.epoch;
      }
    },
  });

  const watch = watchInterrupt();
  let history: EpochLogs[];
  try {
    history = await fit(model, p.x, p.y, {
      optimizer,
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      l2: flags.l2,
      clipNorm: flags.clipNorm,
      loss: text ? 'crossEntropy' : 'mse',
      validationData: [p.valX, p.valY],
      callbacks,
      signal: watch.signal,
    });
  } catch (e) {
    if (!watch.signal.aborted) throw e;
    bar?.stop();
    process.stderr.write(
      `${
        flags.save === undefined || savedEpoch === null
          ? `neuroblas: interrupted after epoch ${logs.length}; nothing was saved`
          : `neuroblas: interrupted; the model after epoch ${savedEpoch} is in ${flags.save}`
      }\n`,
    );
    throw new CliExit(EXIT_INTERRUPTED);
  } finally {
    watch.dispose();
  }
  const last = history[history.length - 1];
  if (text) out.say(`neuroblas: validation accuracy ${pct(last.valAccuracy)} (loss ${last.valLoss?.toFixed(4)})`);
  else {
    const w = p.windows!;
    const pred = noGrad(() => predict(model, p.valX)).data;
    const m = errors(w.scaling, pred, w.validation.y);
    const b = errors(w.scaling, naive(w), w.validation.y);
    out.record({ valMae: m.mae, valRmse: m.rmse, naiveMae: b.mae, naiveRmse: b.rmse });
    out.say(
      `neuroblas: validation MAE ${m.mae.toFixed(3)}, RMSE ${m.rmse.toFixed(3)} (series units); ` +
        `naive "same as last": MAE ${b.mae.toFixed(3)}, RMSE ${b.rmse.toFixed(3)}`,
    );
  }
  if (flags.save !== undefined) {
    saveRun(history);
    out.say(`neuroblas: saved the model to ${flags.save}`);
  }
  if (flags.plot !== undefined) {
    writeCurvesSvg(flags.plot, history, { title: `${flags.data}: ${p.description}`, where: '--plot' });
    out.say(`neuroblas: wrote the curves to ${flags.plot}`);
  }
}
