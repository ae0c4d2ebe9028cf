/**
 * `neuroblas train`: reads the data, builds the MLP and optimizer from the flags, trains with a progress bar
 * (on a terminal) and one line or one JSON object per epoch, then saves the model and writes the plot.
 *
 * Validation is the data's held-out test split, or with --validation-split a seeded random share of the
 * training rows (random, since the built-in training splits are ordered by class). Normalization statistics
 * come from the training rows only and are folded into the first layer before saving, so the saved model
 * takes raw rows like the ones it was trained from.
 */
import { type Command, Option } from 'commander';
import type { ActivationKind } from '../backend/contract.js';
import type { Dataset } from '../data/dataset.js';
import { applyNormalization, fitNormalization, foldNormalization, type NormalizationKind } from '../data/normalize.js';
import { resolveTrainingData, BUILTIN_DATASETS } from '../data/resolve.js';
import { splitDataset } from '../data/split.js';
import { fail } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { renderCurvesSvg } from '../plot/svg-curves.js';
import { Tensor } from '../tensor.js';
import type { EpochLogs, TrainingCallback } from '../train/callbacks.js';
import { fit } from '../train/fit.js';
import {
  buildMlp,
  buildOptimizer,
  DEFAULT_HIDDEN,
  DEFAULT_LR,
  HIDDEN_ACTIVATIONS,
  layerWidths,
  OPTIMIZERS,
  type OptimizerName,
} from './model-spec.js';
import { saveTrainedModel } from './model-file.js';
import { parseColumn, parseFraction, parseLayers, parseNonNegative, parsePositiveInt, parseSeed } from './options.js';
import { Output, pct } from './output.js';
import { progressBar } from './progress.js';
import { applyRuntime, BACKEND_CHOICES, checkWritable, writeTextFile, type RuntimeFlags } from './runtime.js';

export const DEFAULT_SEED = 1;
export const DEFAULT_EPOCHS = 10;
export const DEFAULT_BATCH_SIZE = 32;

interface TrainFlags extends RuntimeFlags {
  data: string;
  layers?: number[];
  activation: ActivationKind;
  optimizer: OptimizerName;
  lr?: number;
  momentum?: number;
  l2?: number;
  epochs: number;
  batchSize: number;
  validationSplit?: number;
  normalize: NormalizationKind | 'none' | 'auto';
  labelColumn?: string | number;
  limit?: number;
  save?: string;
  plot?: string;
  json?: boolean;
  progress: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train an MLP classifier and report each epoch')
    .requiredOption('--data <source>', `${BUILTIN_DATASETS.join(' | ')} | a directory of IDX files | a CSV file (label in the last column)`)
    .option(
      '--layers <widths>',
      `layer widths, input to output, e.g. 784-128-10 (default: features-${DEFAULT_HIDDEN}-classes)`,
      parseLayers,
    )
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(HIDDEN_ACTIVATIONS).default('relu'))
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
    .option('--epochs <n>', 'epochs', parsePositiveInt, DEFAULT_EPOCHS)
    .option('--batch-size <n>', 'rows per batch', parsePositiveInt, DEFAULT_BATCH_SIZE)
    .option('--validation-split <fraction>', 'validate on this random share of the training rows instead of the test split', parseFraction)
    .addOption(
      new Option('--normalize <kind>', 'feature scaling fitted on the training rows (auto: standardize CSV data, leave images as they are)')
        .choices(['auto', 'none', 'minmax', 'standardize'])
        .default('auto'),
    )
    .option('--label-column <name|index>', 'CSV: the label column (default: the last)', parseColumn)
    .option('--limit <n>', 'use at most n rows of each split (a seeded random sample; for quick runs)', parsePositiveInt)
    .option('--seed <n>', 'seed for initialization, shuffling and sampling', parseSeed, DEFAULT_SEED)
    .option('--threads <n>', 'OpenBLAS threads', parsePositiveInt, 1)
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option('--save <file>', 'save the trained model (safetensors)')
    .option('--plot <file>', 'write the loss and accuracy curves as SVG')
    .option('--json', 'one JSON object per epoch on stdout (the default when stdout is not a terminal)')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: TrainFlags) => {
      await train(flags);
    });
}

function normalizationFor(flags: TrainFlags, isCsv: boolean): NormalizationKind | null {
  if (flags.normalize === 'auto') return isCsv ? 'standardize' : null;
  return flags.normalize === 'none' ? null : flags.normalize;
}

function epochLine(l: EpochLogs, epochs: number): string {
  const width = String(epochs).length;
  const val = l.valLoss === undefined ? '' : `  ·  val loss ${l.valLoss.toFixed(4)}  acc ${pct(l.valAccuracy)}`;
  return (
    `epoch ${String(l.epoch).padStart(width)}/${epochs}  loss ${l.loss.toFixed(4)}  acc ${pct(l.accuracy)}${val}  ·  ` +
    `${l.seconds.toFixed(2)} s`
  );
}

async function train(flags: TrainFlags): Promise<void> {
  const out = new Output(flags.json === true || !process.stdout.isTTY);
  checkWritable('--save', flags.save);
  checkWritable('--plot', flags.plot);
  const runtime = applyRuntime(flags);
  const data = resolveTrainingData(flags.data, { limit: flags.limit, seed: flags.seed, labelColumn: flags.labelColumn });

  let trainSet: Dataset = data.train;
  let valSet: Dataset = data.test;
  let valSource = data.testSource;
  if (flags.validationSplit !== undefined) {
    ({ train: trainSet, test: valSet } = splitDataset(data.train, flags.validationSplit, flags.seed! + 2, '--validation-split'));
    valSource = `a random ${flags.validationSplit * 100} % of the training rows (--validation-split)`;
  }
  const normKind = normalizationFor(flags, data.kind === 'csv');
  const normalization = normKind ? fitNormalization(normKind, trainSet.x, trainSet.features) : null;
  const trainX = normalization ? applyNormalization(normalization, trainSet.x) : trainSet.x;
  const valX = normalization ? applyNormalization(normalization, valSet.x) : valSet.x;

  const widths = layerWidths(flags.layers, trainSet.features, trainSet.classes, data.name);
  const model = buildMlp(widths, flags.activation);
  const optimizer = buildOptimizer(model.parameters(), flags);
  out.say(
    `neuroblas: ${widths.join('-')} ${flags.activation} MLP on ${data.name}: ` +
      `${trainSet.rows} training rows${normKind ? ` (${normKind})` : ''}, validation on ${valSet.rows} rows (${valSource})`,
  );
  out.say(
    `neuroblas: ${flags.optimizer} lr ${optimizer.lr}, batch ${flags.batchSize}, ${flags.epochs} epochs, seed ${flags.seed}; ` +
      `${runtime.backend} backend, ${runtime.threads} thread${runtime.threads === 1 ? '' : 's'}`,
  );

  const callbacks: TrainingCallback[] = [];
  if (flags.progress && process.stderr.isTTY)
    callbacks.push(progressBar({ epochs: flags.epochs, rows: trainSet.rows, batchSize: flags.batchSize }));
  callbacks.push({
    onEpochEnd(l) {
      out.record({
        epoch: l.epoch,
        epochs: flags.epochs,
        loss: l.loss,
        accuracy: l.accuracy ?? null,
        valLoss: l.valLoss ?? null,
        valAccuracy: l.valAccuracy ?? null,
        seconds: l.seconds,
        samplesPerSecond: l.seconds > 0 ? trainSet.rows / l.seconds : null,
        lr: l.lr,
        backend: runtime.backend,
      });
      out.human(epochLine(l, flags.epochs));
    },
  });

  const started = performance.now();
  const history = await fit(model, new Tensor(trainX, [trainSet.rows, trainSet.features]), trainSet.y, {
    optimizer,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    l2: flags.l2,
    validationData: [new Tensor(valX, [valSet.rows, valSet.features]), valSet.y],
    callbacks,
  });
  const last = history[history.length - 1];
  const total = (performance.now() - started) / 1000;
  out.say(
    `neuroblas: validation accuracy ${pct(last.valAccuracy)} (loss ${last.valLoss?.toFixed(4)}) ` +
      `after ${history.length} epochs, ${total.toFixed(1)} s`,
  );

  if (flags.save !== undefined) {
    if (normalization) {
      const first = model.layers[0];
      if (!(first instanceof Dense) || first.bias === null)
        fail('ERR_INVALID_ARG', '--normalize: cannot fold the statistics into a first layer without a bias');
      foldNormalization(normalization, first.weight.data, first.bias.data);
    }
    saveTrainedModel(flags.save, model, { optimizer, history, classNames: trainSet.classNames });
    out.say(`neuroblas: saved the model to ${flags.save}`);
  }
  if (flags.plot !== undefined) {
    const title = `${data.name}: ${widths.join('-')} ${flags.activation}, ${flags.optimizer} lr ${optimizer.lr}, batch ${flags.batchSize}`;
    writeTextFile('--plot', flags.plot, renderCurvesSvg(history, { title }));
    out.say(`neuroblas: wrote the curves to ${flags.plot}`);
  }
}
