import { Option, type Command } from 'commander';
import { csvColumnCount, labelsToClasses, labelsToTargets, parseCsvTable, readCsvText } from '../data/csv.js';
import { readIdx } from '../data/idx.js';
import { readFileHead } from '../data/file-head.js';
import { plural } from '../check.js';
import { fail } from '../errors.js';
import { softmax } from '../ops/activation.js';
import { noGrad } from '../graph.js';
import { Tensor } from '../tensor.js';
import { predict } from '../train/fit.js';
import { argmax } from '../train/metrics.js';
import { predictSeries, predictText } from './predict-sequence.js';
import { loadTrainedModel, type TrainedModel, warnOffScale } from './model-file.js';
import { parseColumn, parsePositiveInt } from './options.js';
import { Output } from './output.js';
import { applyRuntime, BACKEND_CHOICES, type RuntimeFlags } from './runtime.js';

interface PredictFlags extends RuntimeFlags {
  labelColumn?: string | number;
  json?: boolean;
  text?: string[];
  seriesColumn?: string | number;
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify every row of CSV or IDX files with a saved model (or predict its value, for a regressor)')
    .argument('<model>', 'a model saved by `neuroblas train --save`')
    .argument('[files...]', 'CSV files of feature rows (an extra label column is allowed) or IDX image files; text files for a text model')
    .option('--label-column <name|index>', 'CSV with labels: the label column (default: the last)', parseColumn)
    .option('--threads <n>', 'OpenBLAS threads', parsePositiveInt, 1)
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option('--json', 'one JSON object per row on stdout')
    .option('--text <string...>', 'a text model: classify these strings')
    .option('--series-column <name|index>', 'a forecaster: the CSV column holding the series (default: the first)', parseColumn)
    .action((modelFile: string, files: string[], flags: PredictFlags) => predictCommand(modelFile, files, flags));
}

interface Rows {
  x: Float32Array;
  rows: number;
  /** True class indices when the file has labels. */
  truth: Int32Array | null;
  /** A regressor's true targets when the file has them. */
  targets?: Float32Array;
}

function isIdx(file: string): boolean {
  const head = readFileHead(file, 2);
  // gzip, or the two zero bytes every IDX file starts with; text CSV never begins with either.
  return head.length === 2 && ((head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0 && head[1] === 0));
}

function readIdxRows(file: string, m: TrainedModel): Rows {
  const idx = readIdx(file);
  const features = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  if (idx.dims.length < 2 || features !== m.features)
    fail(
      'ERR_SHAPE',
      `${file}: IDX data of dimensions ${idx.dims.join('×')} (${features} values per item); the model takes ${m.features} per row`,
    );
  const x = new Float32Array(idx.data.length);
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i] / 255;
  return { x, rows: idx.dims[0], truth: null };
}

function readCsvRows(file: string, m: TrainedModel, labelColumn: string | number | undefined): Rows {
  const text = readCsvText(file);
  const width = csvColumnCount(text);
  if (width === m.features && labelColumn === undefined) {
    const t = parseCsvTable(text, file, { labelColumn: null });
    return { x: t.x, rows: t.rows, truth: null };
  }
  if (width === m.features + 1 || labelColumn !== undefined) {
    const t = parseCsvTable(text, file, { labelColumn: labelColumn ?? -1 });
    if (t.features !== m.features)
      fail('ERR_SHAPE', `${file}: ${t.features} feature columns besides the label; the model takes ${m.features}`);
    if (m.regression) return { x: t.x, rows: t.rows, truth: null, targets: labelsToTargets(t, false).targets };
    return { x: t.x, rows: t.rows, truth: labelsToClasses(t, m.classNames, m.classes).y };
  }
  return fail(
    'ERR_SHAPE',
    `${file}: ${width} columns; the model takes ${m.features} features per row ` +
      `(give ${m.features} columns, or ${m.features + 1} with a label)`,
  );
}

/** A regressor's prediction for each row, in the targets' units (TargetScaling), beside the true value when given. */
function predictValues(out: Output, file: string, m: TrainedModel, data: Rows): void {
  const values = predict(m.model, new Tensor(data.x, [data.rows, m.features])).data;
  out.human(`${file}: ${plural(data.rows, 'row')}; predicted values`);
  for (let r = 0; r < data.rows; r++) {
    const v = values[r];
    const target = data.targets ? data.targets[r] : null;
    out.record({ file, row: r + 1, value: v, target });
    const truth = target === null ? '' : `  · true ${target} (error ${(v - target).toPrecision(3)})`;
    out.human(`row ${r + 1}: ${v.toPrecision(5)}${truth}`);
  }
}

function predictCommand(modelFile: string, files: string[], flags: PredictFlags): void {
  const out = new Output(flags.json === true);
  applyRuntime(flags);
  const m = loadTrainedModel(modelFile);
  if (m.tokenizer !== null) {
    predictText(m, files, flags.text ?? [], out);
    return;
  }
  if (m.seriesScaling !== null) {
    predictSeries(m, files, flags.seriesColumn, out);
    return;
  }
  if (flags.text !== undefined || flags.seriesColumn !== undefined)
    fail('ERR_INVALID_ARG', `${modelFile}: ${flags.text !== undefined ? '--text' : '--series-column'} needs a text model or a forecaster`);
  if (files.length === 0) fail('ERR_INVALID_ARG', 'give the CSV or IDX files to classify');
  const name = (c: number): string => (m.classNames ? `${c} (${m.classNames[c]})` : String(c));
  for (const file of files) {
    const data = isIdx(file) ? readIdxRows(file, m) : readCsvRows(file, m, flags.labelColumn);
    warnOffScale(m, data.x, file);
    if (m.regression) {
      predictValues(out, file, m, data);
      continue;
    }
    const probs = noGrad(() => softmax(predict(m.model, new Tensor(data.x, [data.rows, m.features])))).data;
    const classes = m.classes;
    const pred = argmax(probs, data.rows, classes);
    out.human(
      `${file}: ${plural(data.rows, 'row')}; probabilities of classes 0..${classes - 1}` +
        `${m.classNames ? ` (${m.classNames.join(', ')})` : ''}`,
    );
    for (let r = 0; r < data.rows; r++) {
      const p = Array.from(probs.subarray(r * classes, (r + 1) * classes));
      const c = pred[r];
      const truth = data.truth ? data.truth[r] : null;
      out.record({ file, row: r + 1, class: c, className: m.classNames?.[c] ?? null, probability: p[c], probabilities: p, label: truth });
      const verdict = truth === null ? '' : `  · true ${name(truth)} ${truth === c ? '✓' : '✗'}`;
      out.human(`row ${r + 1}: ${name(c)} ${(100 * p[c]).toFixed(1)}%${verdict}  | ${p.map((v) => v.toFixed(3)).join(' ')}`);
    }
  }
}
