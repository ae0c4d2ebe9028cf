/**
 * `neuroblas train`: reads the data, builds the model (--model: an MLP, LeNet-5 or a spec file; model-presets.ts)
 * and optimizer from the flags, or takes them from a checkpoint to continue (--resume; resume.ts), trains with a
 * progress bar (on a terminal) and one line or one JSON object per epoch, then saves the model and writes the plot.
 * With --save, a checkpoint is written at every epoch's end, so Ctrl-C (interrupt.ts) loses at most one epoch.
 *
 * Validation is the data's held-out test split, or with --validation-split a seeded random share of the
 * training rows (random, since the built-in training splits are ordered by class). Normalization statistics
 * come from the training rows only and are folded into the first layer before saving, so the saved model
 * takes raw rows like the ones it was trained from.
 */
import { type Command, Option } from 'commander';
import type { StatefulCallback } from '../io/callback-io.js';
import { EarlyStopping } from '../optim/early-stopping.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Sequential } from '../layers/sequential.js';
import type { Dataset } from '../data/dataset.js';
import { applyNormalization, fitNormalization, type NormalizationKind } from '../data/normalize.js';
import { resolveTrainingData, BUILTIN_DATASETS } from '../data/resolve.js';
import { inputRangeOf } from '../data/input-range.js';
import { splitDataset } from '../data/split.js';
import { plural } from '../check.js';
import { NeuroblasError } from '../errors.js';
import { writeCurvesSvg } from '../plot/svg-curves.js';
import { defaultRandom } from '../random.js';
import { Tensor } from '../tensor.js';
import type { EpochLogs, TrainingCallback } from '../train/callbacks.js';
import { fit } from '../train/fit.js';
import { CliExit, EXIT_INTERRUPTED, watchInterrupt } from './interrupt.js';
import { buildOptimizer, DEFAULT_HIDDEN, DEFAULT_LR, HIDDEN_ACTIVATIONS, OPTIMIZERS, type ModelFlags } from './model-spec.js';
import { buildModel, DEFAULT_MODEL, MODEL_PRESETS } from './model-presets.js';
import { foldTarget, saveTrainedModel } from './model-file.js';
import { checkSameData, openResume, RUN_FLAGS, TrainRun, type ResumePoint, type RunFlag, type RunSettings } from './resume.js';
import {
  buildEarlyStopping,
  buildSchedule,
  LR_SCHEDULE_SYNTAX,
  parseLrSchedule,
  parsePatience,
  type LrSchedule,
} from './schedule-option.js';
import { labelsLine } from './label-inference.js';
import { regressionScores } from './regression-scores.js';
import { TargetScaling } from '../layers/target-scaling.js';
import type { LossName } from '../losses.js';
import { fail } from '../errors.js';
import { isSequenceRun, refuseSequenceFlags, sequenceOptions, trainSequence, type SequenceFlags } from './train-sequence.js';
import {
  parseColumn,
  parseFraction,
  parseLayers,
  parseNonNegative,
  parsePositive,
  parsePositiveInt,
  parseSeed,
  parseSvgFile,
} from './options.js';
import { Output, pct } from './output.js';
import { progressBar } from './progress.js';
import { applyRuntime, BACKEND_CHOICES, checkWritable, type RuntimeFlags } from './runtime.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_EPOCHS = 10;
export const DEFAULT_BATCH_SIZE = 32;

interface TrainFlags extends RuntimeFlags, ModelFlags {
  epochs: number;
  batchSize: number;
  validationSplit?: number;
  normalize: NormalizationKind | 'none' | 'auto';
  labelColumn?: string | number;
  task: 'auto' | 'classification' | 'regression';
  loss?: string;
  allowManyClasses?: boolean;
  limit?: number;
  lrSchedule?: LrSchedule;
  earlyStopping?: number;
  resume?: string;
  save?: string;
  plot?: string;
  json?: boolean;
  progress: boolean;
}

/**
 * The flags that name the data, the model and the optimizer: `train`'s, and `submit`'s and `sweep`'s (lib/cli/queue.ts),
 * which describe the same run for a worker to train.
 */
export function addModelFlags(command: Command): Command {
  return command
    .option(
      '--data <source>',
      `${BUILTIN_DATASETS.join(' | ')} | a directory of IDX files | a CSV file (label in the last column) | ` +
        'label<TAB>text lines (*.tsv, *.txt: a text classifier); required unless --resume',
    )
    .option(
      '--model <spec>',
      `${MODEL_PRESETS.join(' | ')} | a model spec JSON file: Sequential.toConfig()'s JSON, or its array of layer configs ` +
        `(default: ${DEFAULT_MODEL})`,
    )
    .option(
      '--layers <widths>',
      `--model mlp: layer widths, input to output, e.g. 784-128-10 (default: features-${DEFAULT_HIDDEN}-classes)`,
      parseLayers,
    )
    .addOption(
      new Option('--activation <name>', '--model mlp: activation of the hidden layers').choices(HIDDEN_ACTIVATIONS).default('relu'),
    )
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(OPTIMIZERS).default('sgd'))
    .option(
      '--lr <rate>',
      `learning rate (default: ${Object.entries(DEFAULT_LR)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
      parseNonNegative,
    )
    .option('--momentum <m>', 'momentum (sgd, rmsprop; default 0)', parseNonNegative)
    .option('--l2 <lambda>', 'L2 penalty λ/2·‖W‖² on the weights (default 0)', parseNonNegative)
    .option(
      '--clip-norm <max>',
      "scale the gradients to a total norm of at most max before each step (recurrent nets' usual guard)",
      parsePositive,
    );
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a classifier or a regressor (an MLP, LeNet-5 or a model spec file) and report each epoch');
  addModelFlags(command)
    .option('--lr-schedule <schedule>', `learning-rate schedule: ${LR_SCHEDULE_SYNTAX}`, parseLrSchedule)
    .option(
      '--early-stopping <patience>',
      "stop after <patience> epochs without a lower validation loss, and keep the best epoch's weights",
      parsePatience,
    )
    .option('--epochs <n>', 'epochs (with --resume: the total, counting the epochs already trained)', parsePositiveInt, DEFAULT_EPOCHS)
    .option('--batch-size <n>', 'rows per batch', parsePositiveInt, DEFAULT_BATCH_SIZE)
    .option('--validation-split <fraction>', 'validate on this random share of the training rows instead of the test split', parseFraction)
    .addOption(
      new Option('--normalize <kind>', 'feature scaling fitted on the training rows (auto: standardize CSV data, leave images as they are)')
        .choices(['auto', 'none', 'minmax', 'standardize'])
        .default('auto'),
    )
    .option('--label-column <name|index>', 'CSV: the label column (default: the last)', parseColumn)
    .addOption(
      new Option(
        '--task <task>',
        'classification, or regression (a CSV label column of numbers; auto: regression when they are not all integers)',
      )
        .choices(['auto', 'classification', 'regression'])
        .default('auto'),
    )
    .addOption(
      new Option('--loss <name>', `the loss (default: crossEntropy for classes, mse for a regression)`).choices([
        'crossEntropy',
        ...REGRESSION_LOSSES,
      ]),
    )
    .option('--allow-many-classes', 'CSV: train even with more classes than a tenth of the rows')
    .option('--limit <n>', 'use at most n rows of each split (a seeded random sample; for quick runs)', parsePositiveInt)
    .option('--seed <n>', 'seed for initialization, shuffling and sampling', parseSeed, DEFAULT_SEED)
    .option('--threads <n>', 'OpenBLAS threads', parsePositiveInt, 1)
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option(
      '--save <file>',
      'save the model (safetensors) at the end of every epoch and of training (with --resume: default the checkpoint)',
    )
    .option('--resume <checkpoint>', "continue the run a --save checkpoint holds, exactly (with that run's flags)")
    .option('--plot <file>', 'write the loss and accuracy curves as SVG (a name ending in .svg)', parseSvgFile)
    .option('--json', 'one JSON object per epoch on stdout (the default when stdout is not a terminal)')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: TrainFlags, command: Command) => {
      await train(flags, command);
    });
  // Text and series data (train-sequence.ts).
  for (const option of sequenceOptions()) command.addOption(option);
}

function normalizationFor(flags: TrainFlags, isCsv: boolean): NormalizationKind | null {
  if (flags.normalize === 'auto') return isCsv ? 'standardize' : null;
  return flags.normalize === 'none' ? null : flags.normalize;
}

/** The regression losses --loss offers (a regression's loss is computed in standardized units: TargetScaling). */
const REGRESSION_LOSSES = ['mse', 'l1', 'huber', 'smoothL1'] as const;

function epochLine(l: EpochLogs, epochs: number, regression: boolean): string {
  const width = String(epochs).length;
  const scores = regression ? regressionScores(l.mae, l.rmse, l.r2) : `acc ${pct(l.accuracy)}`;
  const valScores = regression ? regressionScores(l.valMae, l.valRmse, l.valR2) : `acc ${pct(l.valAccuracy)}`;
  const val = l.valLoss === undefined ? '' : `  ·  val loss ${l.valLoss.toFixed(4)}  ${valScores}`;
  return `epoch ${String(l.epoch).padStart(width)}/${epochs}  loss ${l.loss.toFixed(4)}  ${scores}${val}  ·  ${l.seconds.toFixed(2)} s`;
}

/** The loss for the task: --loss when given (checked against the task), else cross-entropy or MSE. */
function lossFor(flag: string | undefined, regression: boolean): LossName {
  if (flag === undefined) return regression ? 'mse' : 'crossEntropy';
  const fits = regression ? (REGRESSION_LOSSES as readonly string[]).includes(flag) : flag === 'crossEntropy';
  if (!fits)
    fail(
      'ERR_INVALID_ARG',
      regression
        ? `--loss ${flag} is for classes; a regression takes ${REGRESSION_LOSSES.join(', ')}`
        : `--loss ${flag} is for a regression; this data has classes (crossEntropy), or give --task regression`,
    );
  return flag as LossName;
}

/**
 * A regressor ends in TargetScaling adapted on the training targets, so it learns in standardized units and the saved
 * model predicts in the targets' units; a spec that ends in one has it adapted, any other gets one. One output.
 */
function withTargetScaling(model: Sequential, features: number, targets: Float32Array, where: string): Sequential {
  const last = model.layers[model.layers.length - 1];
  const outputs = model.outputShape([features]);
  if (outputs.length !== 1 || outputs[0] !== 1)
    fail('ERR_INVALID_ARG', `${where}: gives ${outputs.join('×')} outputs per row; a regression on one target column needs 1`);
  if (last instanceof TargetScaling) last.adapt(targets);
  else model.add(new TargetScaling(1).adapt(targets));
  return model;
}

/** The run's flags as the run uses them: those of the checkpoint when resuming (openResume checked the ones given). */
function runFlags(flags: TrainFlags, resume: ResumePoint | null): TrainFlags {
  if (resume === null) return flags;
  const effective: Record<string, unknown> = { ...flags };
  for (const key of Object.keys(RUN_FLAGS) as RunFlag[]) effective[key] = resume.settings[key];
  return effective as unknown as TrainFlags;
}

/** What the interrupted run's last line says, and the exit it ends with. */
function interrupted(save: string | undefined, savedEpoch: number | null, lastEpoch: number): never {
  let line: string;
  if (save === undefined)
    line = `neuroblas: interrupted after epoch ${lastEpoch}; nothing was saved (--save <file> keeps a checkpoint of every epoch)`;
  else if (savedEpoch === null) line = `neuroblas: interrupted in epoch ${lastEpoch + 1}, before its end; nothing was saved`;
  else line = `neuroblas: interrupted; the model after epoch ${savedEpoch} is in ${save} (resume with --resume ${save})`;
  process.stderr.write(`${line}\n`);
  throw new CliExit(EXIT_INTERRUPTED);
}

async function train(flags: TrainFlags, command: Command): Promise<void> {
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  if (flags.data === undefined && flags.resume === undefined)
    command.error("error: required option '--data <source>' not specified (or --resume <checkpoint>)");
  if (isSequenceRun(flags as { data?: string; seriesColumn?: unknown })) return trainSequence(flags as unknown as SequenceFlags, given);
  refuseSequenceFlags(given);
  const out = new Output(flags.json === true || !process.stdout.isTTY);
  // Resuming, the checkpoint is where the run goes on saving, unless --save says otherwise.
  const save = flags.save ?? flags.resume;
  checkWritable('--save', save);
  checkWritable('--plot', flags.plot);
  const runtime = applyRuntime(flags);
  const resume = flags.resume === undefined ? null : openResume(flags.resume, flags as Partial<Record<RunFlag, unknown>>, given);
  const f = runFlags(flags, resume);
  const initialEpoch = resume?.checkpoint.epoch ?? 0;
  const epochs = resume !== null && !given('epochs') ? resume.settings.epochs : flags.epochs;
  if (epochs <= initialEpoch)
    throw new NeuroblasError(
      'ERR_INVALID_ARG',
      `--resume ${flags.resume}: the run has trained ${initialEpoch} epochs already; give --epochs above ${initialEpoch} to train on`,
    );
  const data = resolveTrainingData(f.data!, {
    limit: f.limit,
    seed: f.seed,
    labelColumn: f.labelColumn,
    task: f.task === 'auto' ? undefined : f.task,
  });
  const labels = labelsLine(data, { allowManyClasses: flags.allowManyClasses });

  let trainSet: Dataset = data.train;
  let valSet: Dataset = data.test;
  let valSource = data.testSource;
  if (f.validationSplit !== undefined) {
    ({ train: trainSet, test: valSet } = splitDataset(data.train, f.validationSplit, f.seed! + 2, '--validation-split'));
    valSource = `a random ${f.validationSplit * 100} % of the training rows, stratified by class (--validation-split)`;
  }
  const normKind = normalizationFor(f, data.kind === 'csv');
  const normalization = normKind ? fitNormalization(normKind, trainSet.x, trainSet.features) : null;
  const trainX = normalization ? applyNormalization(normalization, trainSet.x) : trainSet.x;
  const valX = normalization ? applyNormalization(normalization, valSet.x) : valSet.x;
  const regression = trainSet.targets !== undefined;
  const loss = lossFor(f.loss, regression);

  let model: Sequential;
  let optimizer: Optimizer;
  let description: string;
  let widths: number[] | undefined;
  if (resume !== null) {
    checkSameData(resume, trainSet.rows, trainSet.features, trainSet.classes, data.name);
    model = resume.checkpoint.model;
    optimizer = resume.checkpoint.optimizer!;
    description = String(resume.settings.description);
    widths = resume.settings.layers as number[] | undefined;
    // The file's first layer has the normalization folded in; training goes on with the weights it had.
    if (resume.firstLayer !== null && normalization !== null) {
      const first = foldTarget(model, `--resume ${resume.file}`);
      first.weight.data.set(resume.firstLayer.weight);
      first.bias.data.set(resume.firstLayer.bias);
    }
  } else {
    ({ model, description, widths } = buildModel(f, given, {
      features: trainSet.features,
      classes: regression ? 1 : trainSet.classes,
      name: data.name,
    }));
    if (regression) model = withTargetScaling(model, trainSet.features, trainSet.targets!, f.model ?? '--layers');
    optimizer = buildOptimizer(model.parameters(), f);
  }
  if (labels !== null) process.stderr.write(labels);
  if (normalization !== null && save !== undefined) foldTarget(model, `--normalize ${normKind}`);

  if (resume !== null && f.lrSchedule?.kind === 'onecycle' && epochs !== resume.settings.epochs)
    throw new NeuroblasError(
      'ERR_INVALID_ARG',
      `--resume ${flags.resume}: its --lr-schedule onecycle spans the run's ${resume.settings.epochs} epochs; ` +
        `resume it with --epochs ${resume.settings.epochs} (a one-cycle run cannot be made longer)`,
    );
  const stateful: (StatefulCallback & TrainingCallback)[] = [];
  const stepsPerEpoch = Math.ceil(trainSet.rows / f.batchSize);
  if (f.lrSchedule !== undefined) stateful.push(buildSchedule(f.lrSchedule, optimizer, { epochs, stepsPerEpoch }));
  if (f.earlyStopping !== undefined) stateful.push(buildEarlyStopping(f.earlyStopping));
  const settings: RunSettings = { epochs, rows: trainSet.rows, features: trainSet.features, classes: trainSet.classes, description };
  for (const key of Object.keys(RUN_FLAGS) as RunFlag[]) if (f[key] !== undefined) settings[key] = f[key];
  settings.model = f.model ?? DEFAULT_MODEL;
  if (widths !== undefined) settings.layers = widths;
  settings.lr = resume !== null ? resume.settings.lr : optimizer.lr;
  const run = new TrainRun(settings);
  resume?.checkpoint.restoreCallbacks([...stateful, run]);

  out.say(
    `neuroblas: ${description} on ${data.name}: ` +
      `${plural(trainSet.rows, 'training row')}${normKind ? ` (${normKind})` : ''}, ` +
      `validation on ${plural(valSet.rows, 'row')} (${valSource})`,
  );
  out.say(
    `neuroblas: ${f.optimizer} lr ${optimizer.lr}, batch ${f.batchSize}, ${plural(epochs, 'epoch')}, seed ${f.seed}; ` +
      `${runtime.backend} backend, ${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}` +
      `${resume !== null ? `; resuming ${resume.file} after epoch ${initialEpoch}` : ''}`,
  );

  // The raw training rows' range, saved with the model: per feature for a CSV, one for all pixels of images
  // (a border pixel that is always 0 in training is not "out of range" when a digit touches it).
  const inputRange = inputRangeOf(trainSet.x, trainSet.features, { perFeature: data.kind === 'csv' });
  const previous = resume?.checkpoint.history ?? [];
  const logs: EpochLogs[] = [];
  let savedEpoch: number | null = null;
  const saveRun = (history: EpochLogs[], weightsOf?: EpochLogs) =>
    saveTrainedModel(save!, model, {
      optimizer,
      history,
      weightsOf,
      classNames: trainSet.classNames,
      inputRange,
      callbacks: stateful,
      run,
      normalization,
    });

  const callbacks: TrainingCallback[] = [];
  const bar = flags.progress && process.stderr.isTTY ? progressBar({ epochs, rows: trainSet.rows, batchSize: f.batchSize }) : null;
  if (bar) callbacks.push(bar);
  callbacks.push(...stateful, {
    onEpochEnd(l) {
      logs.push(l);
      out.record({
        epoch: l.epoch,
        epochs,
        loss: l.loss,
        ...(regression ? { mae: l.mae ?? null, rmse: l.rmse ?? null, r2: l.r2 ?? null } : { accuracy: l.accuracy ?? null }),
        valLoss: l.valLoss ?? null,
        ...(regression
          ? { valMae: l.valMae ?? null, valRmse: l.valRmse ?? null, valR2: l.valR2 ?? null }
          : { valAccuracy: l.valAccuracy ?? null }),
        seconds: l.seconds,
        samplesPerSecond: l.seconds > 0 ? trainSet.rows / l.seconds : null,
        lr: l.lr,
        backend: runtime.backend,
      });
      out.human(epochLine(l, epochs, regression));
      // After the schedule's and early stopping's own onEpochEnd, so their state counts this epoch.
      if (save !== undefined) {
        saveRun([...previous, ...logs]);
        savedEpoch = l.epoch;
      }
    },
  });

  const started = performance.now();
  // The generator as the run left it (fit shuffles and draws dropout masks from it): set last, just before training.
  if (resume !== null) defaultRandom.setState(resume.checkpoint.randomState);
  const watch = watchInterrupt();
  let history: EpochLogs[];
  try {
    const targetsOf = (d: Dataset) => (regression ? new Tensor(d.targets!, [d.rows, 1]) : d.y);
    history = await fit(model, new Tensor(trainX, [trainSet.rows, trainSet.features]), targetsOf(trainSet), {
      optimizer,
      epochs: epochs - initialEpoch,
      initialEpoch,
      batchSize: f.batchSize,
      l2: f.l2,
      clipNorm: f.clipNorm,
      loss,
      validationData: [new Tensor(valX, [valSet.rows, valSet.features]), targetsOf(valSet)],
      callbacks,
      signal: watch.signal,
    });
  } catch (e) {
    if (!watch.signal.aborted) throw e;
    bar?.stop();
    return interrupted(save, savedEpoch, initialEpoch + logs.length);
  } finally {
    watch.dispose();
  }
  const whole = [...previous, ...history];
  const total = (performance.now() - started) / 1000;
  // Early stopping has put the best epoch's weights back: what the model now gives is that epoch's.
  const es = stateful.find((cb): cb is EarlyStopping => cb instanceof EarlyStopping);
  const kept = (es?.bestEpoch != null ? whole.find((h) => h.epoch === es.bestEpoch) : undefined) ?? whole[whole.length - 1];
  const which =
    es === undefined
      ? `after ${plural(whole.length, 'epoch')}`
      : `with the weights of epoch ${kept.epoch}, the best of ${whole.length}` +
        `${history.length < epochs - initialEpoch ? ' (early stopping)' : ''}`;
  const scores = regression
    ? `validation ${regressionScores(kept.valMae, kept.valRmse, kept.valR2)} in the targets' units`
    : `validation accuracy ${pct(kept.valAccuracy)}`;
  out.say(`neuroblas: ${scores} (loss ${kept.valLoss?.toFixed(4)}) ${which}, ${total.toFixed(1)} s`);

  if (save !== undefined) {
    // Again after training: early stopping may have put the best epoch's weights back.
    saveRun(whole, kept);
    out.say(`neuroblas: saved the model to ${save}`);
  }
  if (flags.plot !== undefined) {
    const title = `${data.name}: ${description}, ${f.optimizer} lr ${settings.lr}, batch ${f.batchSize}`;
    writeCurvesSvg(flags.plot, whole, { title, where: '--plot' });
    out.say(`neuroblas: wrote the curves to ${flags.plot}`);
  }
}
