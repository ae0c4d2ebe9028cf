/**
 * `neuroblas predict` for text models and forecasters (predict.ts hands these over).
 *
 * - A text model (its checkpoint holds a tokenizer) classifies raw strings: each `--text` value, and each non-blank
 *   line of the files given. A line `label<TAB>text` whose label is one of the model's classes is scored against it
 *   (so the training file format works as a test file); any other line is the text as it stands.
 * - `evaluate` on a text model reads `label<TAB>text` lines (textEvaluationData), the training file format.
 * - A forecaster (its checkpoint holds the window, horizon and scaling) reads a CSV column (`--series-column`, or the
 *   only column) and forecasts the `horizon` steps after its last row, in the series' units.
 */
import fs from 'node:fs';
import { plural } from '../check.js';
import { describeFsError, fail, NeuroblasError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { readSeriesColumn } from '../data/series-csv.js';
import { readLabelledText } from '../data/text.js';
import { scaleWindow, unscaleTargets } from '../data/windows.js';
import { forecastInputShape, readsTokenIds } from '../io/data-metadata.js';
import { noGrad } from '../graph.js';
import { softmax } from '../ops/activation.js';
import { Tensor } from '../tensor.js';
import { predict } from '../train/fit.js';
import { argmax } from '../train/metrics.js';
import type { TrainedModel } from './model-file.js';
import type { Output } from './output.js';

interface TextRow {
  source: string;
  text: string;
  truth: number | null;
}

function textLines(file: string, classNames: readonly string[] | undefined): TextRow[] {
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch (e) {
    if (e instanceof TypeError) throw new NeuroblasError('ERR_BAD_DATA', `${file}: not UTF-8 text`, { cause: e });
    throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
  }
  const rows: TextRow[] = [];
  content
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const tab = line.indexOf('\t');
      const label = tab < 0 ? -1 : (classNames?.indexOf(line.slice(0, tab).trim()) ?? -1);
      rows.push({ source: `${file}:${i + 1}`, text: label >= 0 ? line.slice(tab + 1) : line, truth: label >= 0 ? label : null });
    });
  return rows;
}

export function predictText(m: TrainedModel, files: string[], texts: string[], out: Output): void {
  const tokenizer = m.tokenizer!;
  const rows: TextRow[] = [
    ...texts.map((text, i) => ({ source: `--text ${i + 1}`, text, truth: null })),
    ...files.flatMap((f) => textLines(f, m.classNames)),
  ];
  if (rows.length === 0) fail('ERR_INVALID_ARG', 'nothing to classify: give --text "…" or files of texts, one a line');
  const all = rows.map((r) => r.text);
  const x = readsTokenIds(m.model) ? tokenizer.encodeBatch(all).ids : tokenizer.bagOfTokens(all);
  const probs = noGrad(() => softmax(predict(m.model, new Tensor(x, [rows.length, m.features])))).data;
  const pred = argmax(probs, rows.length, m.classes);
  const name = (c: number): string => (m.classNames ? m.classNames[c] : String(c));
  out.human(`${plural(rows.length, 'text')}; classes ${m.classNames ? m.classNames.join(', ') : `0..${m.classes - 1}`}`);
  let right = 0;
  let scored = 0;
  rows.forEach((r, i) => {
    const p = Array.from(probs.subarray(i * m.classes, (i + 1) * m.classes));
    const c = pred[i];
    out.record({
      source: r.source,
      text: r.text,
      class: c,
      className: m.classNames?.[c] ?? null,
      probability: p[c],
      probabilities: p,
      label: r.truth,
    });
    const verdict = r.truth === null ? '' : `  · true ${name(r.truth)} ${r.truth === c ? '✓' : '✗'}`;
    if (r.truth !== null) {
      scored++;
      if (r.truth === c) right++;
    }
    const shown = r.text.length > 60 ? `${r.text.slice(0, 59)}…` : r.text;
    out.human(`${r.source}: ${name(c)} ${(100 * p[c]).toFixed(1)}%${verdict}  | ${shown}`);
  });
  if (scored > 0) out.human(`accuracy on the labelled lines: ${right}/${scored} (${((100 * right) / scored).toFixed(1)}%)`);
}

export function predictSeries(m: TrainedModel, files: string[], column: string | number | undefined, out: Output): void {
  const sc = m.seriesScaling!;
  if (files.length === 0) fail('ERR_INVALID_ARG', 'nothing to forecast from: give a CSV file whose rows are the series, oldest first');
  // [window, features] for a recurrent model, [window × features] for an MLP (loadTrainedModel checked it takes one).
  const shape = forecastInputShape(m.model, sc)!;
  for (const file of files) {
    const series = readSeriesColumn(file, column ?? 0);
    const x = scaleWindow(sc, series.values);
    const y = noGrad(() => predict(m.model, new Tensor(x, [1, ...shape]))).data;
    const forecast = Array.from(unscaleTargets(sc, y));
    out.record({ file, column: series.name, steps: series.values.length, forecast });
    out.human(
      `${file}: column ${series.name}, ${series.values.length} steps; the next ${plural(sc.horizon, 'step')}: ` +
        `${forecast.map((v) => +v.toPrecision(6)).join(', ')}`,
    );
  }
}

/** A text model's evaluation data: `label<TAB>text` lines, labels mapped onto the model's classes, encoded as in training. */
export function textEvaluationData(m: TrainedModel, file: string): { name: string; testSource: string; test: Dataset } {
  if (m.classNames === undefined) fail('ERR_IO', `${file}: the model has no class names to map the file's labels onto`);
  const d = readLabelledText(file, m.classNames);
  const x = readsTokenIds(m.model) ? m.tokenizer!.encodeBatch(d.texts).ids : m.tokenizer!.bagOfTokens(d.texts);
  const rows = d.texts.length;
  return {
    name: file,
    testSource: 'every line',
    test: { x, y: d.y, rows, features: m.features, classes: m.classes, sampleShape: [m.features], classNames: d.classNames },
  };
}
