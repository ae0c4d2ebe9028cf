/**
 * `neuroblas evaluate MODEL --data …`: loss, accuracy and the confusion matrix of a saved classifier (MAE, RMSE and
 * R² of a regressor) on the test split of a built-in or IDX dataset, or on every row of a CSV file.
 */
import { Option, type Command } from 'commander';
import { BUILTIN_DATASETS, resolveEvaluationData, sampleRows } from '../data/resolve.js';
import { Random } from '../random.js';
import type { Dataset } from '../data/dataset.js';
import { textEvaluationData } from './predict-sequence.js';
import { plural } from '../check.js';
import { fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { evaluate } from '../train/fit.js';
import { formatConfusionMatrix, precisionRecall } from '../train/metrics.js';
import { loadTrainedModel, type TrainedModel, warnOffScale } from './model-file.js';
import { parseColumn, parsePositiveInt, parseSeed } from './options.js';
import { Output, pct } from './output.js';
import { regressionScores } from './regression-scores.js';
import { applyRuntime, BACKEND_CHOICES, type RuntimeFlags } from './runtime.js';

interface EvaluateFlags extends RuntimeFlags {
  data: string;
  labelColumn?: string | number;
  limit?: number;
  seed: number;
  batchSize: number;
  json?: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description("a saved model's loss, accuracy and confusion matrix on a dataset")
    .argument('<model>', 'a model saved by `neuroblas train --save`')
    .requiredOption(
      '--data <source>',
      `${BUILTIN_DATASETS.join(' | ')} (their test split) | a directory of IDX files (t10k-*) | a CSV file (every row) | ` +
        'label<TAB>text lines (a text model)',
    )
    .option('--label-column <name|index>', 'CSV: the label column (default: the last)', parseColumn)
    .option('--limit <n>', 'evaluate at most n rows (a seeded random sample)', parsePositiveInt)
    .option('--seed <n>', 'seed of the --limit sample', parseSeed, 1)
    .option('--batch-size <n>', 'rows per forward pass', parsePositiveInt, 256)
    .option('--threads <n>', 'OpenBLAS threads', parsePositiveInt, 1)
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option('--json', 'one JSON object on stdout')
    .action((modelFile: string, flags: EvaluateFlags) => evaluateCommand(modelFile, flags));
}

/** Checks that the model can read the data's rows and name its labels, in terms of the files given. */
export function checkFits(modelFile: string, m: TrainedModel, dataName: string, features: number, classes: number): void {
  if (features !== m.features) fail('ERR_SHAPE', `${modelFile} takes ${m.features} features per row, but ${dataName} has ${features}`);
  if (classes > m.classes) fail('ERR_LABEL', `${dataName} has labels up to ${classes - 1}, but ${modelFile} has only ${m.classes} classes`);
}

/** A regressor's MAE, RMSE and R² on the data's targets, in the targets' units (its loss is in standardized units). */
function evaluateRegression(
  out: Output,
  modelFile: string,
  m: TrainedModel,
  data: { name: string; testSource: string; test: Dataset },
  batchSize: number,
  backend: string,
): void {
  const d = data.test;
  const started = performance.now();
  const r = evaluate(m.model, new Tensor(d.x, [d.rows, d.features]), new Tensor(d.targets!, [d.rows, 1]), { batchSize });
  const seconds = (performance.now() - started) / 1000;
  const g = r.regression!;
  out.record({ model: modelFile, data: data.name, rows: d.rows, loss: r.loss, mae: g.mae, rmse: g.rmse, r2: g.r2, seconds, backend });
  out.human(`${modelFile} on ${data.name} (${plural(d.rows, 'row')}: ${data.testSource})`);
  out.human(`${regressionScores(g.mae, g.rmse, g.r2)} in the targets' units  (${seconds.toFixed(2)} s, ${backend} backend)`);
}

function evaluateCommand(modelFile: string, flags: EvaluateFlags): void {
  const out = new Output(flags.json === true);
  const runtime = applyRuntime(flags);
  const m = loadTrainedModel(modelFile);
  if (m.seriesScaling !== null)
    fail('ERR_INVALID_ARG', `${modelFile} is a forecaster: train reports its validation MAE and RMSE; predict gives its forecasts`);
  const data =
    m.tokenizer !== null
      ? textEvaluationData(m, flags.data)
      : resolveEvaluationData(flags.data, {
          limit: flags.limit,
          seed: flags.seed,
          labelColumn: flags.labelColumn,
          ...(m.regression ? { task: 'regression' as const } : { classNames: m.classNames, classes: m.classNames ? undefined : m.classes }),
        });
  const d = m.tokenizer !== null && flags.limit !== undefined ? sampleRows(data.test, flags.limit, new Random(flags.seed + 1)) : data.test;
  checkFits(modelFile, m, data.name, d.features, d.classes);
  warnOffScale(m, d.x, data.name);
  if (m.regression) {
    evaluateRegression(out, modelFile, m, data, flags.batchSize, runtime.backend);
    return;
  }
  const started = performance.now();
  const r = evaluate(m.model, new Tensor(d.x, [d.rows, d.features]), d.y, { batchSize: flags.batchSize });
  const seconds = (performance.now() - started) / 1000;
  const confusion = r.confusion!;
  const names = m.classNames ?? d.classNames;
  const { precision, recall } = precisionRecall(confusion);
  out.record({
    model: modelFile,
    data: data.name,
    rows: d.rows,
    loss: r.loss,
    accuracy: r.accuracy ?? null,
    confusion: Array.from({ length: confusion.classes }, (_, t) =>
      Array.from(confusion.counts.subarray(t * confusion.classes, (t + 1) * confusion.classes)),
    ),
    precision: Array.from(precision, (v) => (Number.isNaN(v) ? null : v)),
    recall: Array.from(recall, (v) => (Number.isNaN(v) ? null : v)),
    classNames: names ?? null,
    seconds,
    backend: runtime.backend,
  });
  out.human(`${modelFile} on ${data.name} (${plural(d.rows, 'row')}: ${data.testSource})`);
  out.human(`accuracy ${pct(r.accuracy)}  loss ${r.loss.toFixed(4)}  (${seconds.toFixed(2)} s, ${runtime.backend} backend)`);
  out.human('');
  out.human(formatConfusionMatrix(confusion, names && names.length === confusion.classes ? names : undefined));
}
