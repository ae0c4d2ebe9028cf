/**
 * Classification metrics: accuracy, argmax, and the confusion matrix with per-class precision and recall.
 * Pure functions over flat row-major arrays. `accuracy` allocates nothing, so fit can call it every batch.
 *
 * Ties go to the lowest class index, and a NaN score counts as the largest (as torch.argmax does), so a
 * model that produces NaN is not credited with its first class.
 */
import { closestName, nonNegativeInteger, positiveInteger, show } from '../check.js';
import { fail } from '../errors.js';

function checkDims(fn: string, rows: number, classes: number, scores: ArrayLike<number>, labelsLength: number | null): void {
  nonNegativeInteger(fn, 'rows', rows);
  positiveInteger(fn, 'classes', classes);
  if (scores.length < rows * classes)
    fail('ERR_SHAPE', `${fn}: scores must hold at least rows·classes = ${rows * classes} values, got ${scores.length}`);
  if (labelsLength !== null && labelsLength < rows)
    fail('ERR_SHAPE', `${fn}: labels must hold at least ${rows} values, got ${labelsLength}`);
}

/** The index of the largest of scores[offset .. offset + classes). */
function rowArgmax(scores: ArrayLike<number>, offset: number, classes: number): number {
  let best = 0;
  let bestValue = scores[offset];
  if (Number.isNaN(bestValue)) return 0;
  for (let j = 1; j < classes; j++) {
    const v = scores[offset + j];
    if (v > bestValue) {
      best = j;
      bestValue = v;
    } else if (Number.isNaN(v)) return j;
  }
  return best;
}

/** The predicted class of each row of a rows×classes matrix of logits or probabilities, written into `out`. */
export function argmax(scores: Float32Array, rows: number, classes: number, out: Int32Array = new Int32Array(rows)): Int32Array {
  checkDims('argmax', rows, classes, scores, null);
  if (out.length < rows) fail('ERR_SHAPE', `argmax: out must hold at least ${rows} values, got ${out.length}`);
  for (let i = 0; i < rows; i++) out[i] = rowArgmax(scores, i * classes, classes);
  return out;
}

/** The fraction of rows whose largest score is at the label's index (0 when rows is 0, like the losses). */
export function accuracy(scores: Float32Array, labels: Int32Array, rows: number, classes: number): number {
  checkDims('accuracy', rows, classes, scores, labels.length);
  if (rows === 0) return 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) if (rowArgmax(scores, i * classes, classes) === labels[i]) correct++;
  return correct / rows;
}

/** Counts of (true class, predicted class) pairs: a classes×classes row-major matrix, rows = true class. */
export interface ConfusionMatrix {
  classes: number;
  counts: Int32Array;
}

/** The confusion matrix of the first `n` predictions (all of them by default). */
export function confusionMatrix(pred: Int32Array, labels: Int32Array, classes: number, n = labels.length): ConfusionMatrix {
  const fn = 'confusionMatrix';
  positiveInteger(fn, 'classes', classes);
  nonNegativeInteger(fn, 'n', n);
  if (pred.length < n || labels.length < n)
    fail('ERR_SHAPE', `${fn}: pred and labels must hold at least ${n} values, got ${pred.length} and ${labels.length}`);
  const counts = new Int32Array(classes * classes);
  for (let i = 0; i < n; i++) {
    const t = labels[i],
      p = pred[i];
    if (t < 0 || t >= classes) fail('ERR_LABEL', `${fn}: labels[${i}] = ${t} is outside [0, ${classes})`);
    if (p < 0 || p >= classes) fail('ERR_LABEL', `${fn}: pred[${i}] = ${p} is outside [0, ${classes})`);
    counts[t * classes + p]++;
  }
  return { classes, counts };
}

export interface ClassScores {
  /** Of the rows predicted as class c, the fraction that were c; NaN when none was predicted c. */
  precision: Float64Array;
  /** Of the rows of class c, the fraction predicted c; NaN when the class never occurs. */
  recall: Float64Array;
}

/** Class c's column and row sums and its diagonal: rows predicted c, rows of class c, and rows both. */
function classCounts(m: ConfusionMatrix, c: number): { predicted: number; actual: number; hits: number } {
  const { classes, counts } = m;
  let predicted = 0;
  let actual = 0;
  for (let k = 0; k < classes; k++) {
    predicted += counts[k * classes + c];
    actual += counts[c * classes + k];
  }
  return { predicted, actual, hits: counts[c * classes + c] };
}

export function precisionRecall(m: ConfusionMatrix): ClassScores {
  const precision = new Float64Array(m.classes);
  const recall = new Float64Array(m.classes);
  for (let c = 0; c < m.classes; c++) {
    const { predicted, actual, hits } = classCounts(m, c);
    precision[c] = predicted === 0 ? NaN : hits / predicted;
    recall[c] = actual === 0 ? NaN : hits / actual;
  }
  return { precision, recall };
}

function percent(x: number): string {
  return Number.isNaN(x) ? '—' : `${(100 * x).toFixed(1)}%`;
}

/**
 * The matrix as text: one row per true class with its recall, and a last line of per-class precision.
 * `names` labels the classes (their index otherwise; long names are cut to keep columns aligned).
 */
export function formatConfusionMatrix(m: ConfusionMatrix, names?: readonly string[]): string {
  const { classes, counts } = m;
  if (names !== undefined && names.length !== classes)
    fail('ERR_SHAPE', `formatConfusionMatrix: ${classes} classes but ${names.length} names`);
  const { precision, recall } = precisionRecall(m);
  const label = (c: number): string => (names ? names[c].slice(0, 12) : String(c));
  let widest = 6; // fits '100.0%' and '—'
  for (let i = 0; i < counts.length; i++) widest = Math.max(widest, String(counts[i]).length);
  const headWidth = Math.max('precision'.length, 'true\\pred'.length, ...Array.from({ length: classes }, (_, c) => label(c).length));
  const col = Math.max(widest, ...(names ? names.map((_, c) => label(c).length) : [String(classes - 1).length]));
  const cell = (s: string): string => s.padStart(col);
  const lines: string[] = [];
  lines.push(`${'true\\pred'.padEnd(headWidth)} ${Array.from({ length: classes }, (_, c) => cell(label(c))).join(' ')} | recall`);
  for (let t = 0; t < classes; t++) {
    const row = Array.from({ length: classes }, (_, p) => cell(String(counts[t * classes + p]))).join(' ');
    lines.push(`${label(t).padEnd(headWidth)} ${row} | ${percent(recall[t]).padStart(6)}`);
  }
  lines.push(`${'precision'.padEnd(headWidth)} ${Array.from({ length: classes }, (_, c) => cell(percent(precision[c]))).join(' ')}`);
  return lines.join('\n');
}

/** Precision, recall and F1 averaged over classes: `macro` (each class counts once) or `weighted` (by support). */
export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class precision, recall, F1 and support (rows of each true class), with their macro and weighted averages. */
export interface ClassificationReport {
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  support: Int32Array;
  macro: AveragedScores;
  weighted: AveragedScores;
}

/**
 * scikit-learn's precision_recall_fscore_support with zero_division=0: a class never predicted has precision 0, a class
 * that never occurs recall 0, and F1 = 2·tp / (2·tp + fp + fn), 0 when both are 0; no NaN. The macro average is the
 * plain mean over the classes that occur in the labels or the predictions (scikit-learn's default labels: a class
 * absent from both does not pull it down); the weighted average weights each class by its support (0 with no rows).
 */
export function classificationReport(m: ConfusionMatrix): ClassificationReport {
  const { classes } = m;
  const precision = new Float64Array(classes),
    recall = new Float64Array(classes),
    f1 = new Float64Array(classes),
    support = new Int32Array(classes);
  const macro = { precision: 0, recall: 0, f1: 0 },
    weighted = { precision: 0, recall: 0, f1: 0 };
  let present = 0,
    total = 0;
  for (let c = 0; c < classes; c++) {
    const { predicted, actual, hits: tp } = classCounts(m, c);
    precision[c] = predicted === 0 ? 0 : tp / predicted;
    recall[c] = actual === 0 ? 0 : tp / actual;
    f1[c] = predicted + actual === 0 ? 0 : (2 * tp) / (predicted + actual);
    support[c] = actual;
    if (predicted + actual > 0) {
      present++;
      macro.precision += precision[c];
      macro.recall += recall[c];
      macro.f1 += f1[c];
    }
    total += actual;
    weighted.precision += precision[c] * actual;
    weighted.recall += recall[c] * actual;
    weighted.f1 += f1[c] * actual;
  }
  for (const k of ['precision', 'recall', 'f1'] as const) {
    macro[k] = present === 0 ? 0 : macro[k] / present;
    weighted[k] = total === 0 ? 0 : weighted[k] / total;
  }
  return { precision, recall, f1, support, macro, weighted };
}

/**
 * The fraction of rows whose label is among the k largest scores (0 when rows is 0). Ties go to the lowest class index
 * and NaN counts as the largest, as in argmax, so k = 1 gives `accuracy`; torch.topk's order among equal scores is
 * unspecified, so the two agree whenever the k-th largest score is not tied. k ≥ classes counts every row.
 */
export function topKAccuracy(scores: Float32Array, labels: Int32Array, rows: number, classes: number, k: number): number {
  checkDims('topKAccuracy', rows, classes, scores, labels.length);
  positiveInteger('topKAccuracy', 'k', k);
  if (rows === 0) return 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const t = labels[i];
    if (t < 0 || t >= classes) fail('ERR_LABEL', `topKAccuracy: labels[${i}] = ${t} is outside [0, ${classes})`);
    const o = i * classes;
    const s = scores[o + t];
    const nan = Number.isNaN(s);
    // Classes ranked ahead of the label: a larger score (NaN above all), or an equal one at a lower index.
    let ahead = 0;
    for (let j = 0; j < classes && ahead < k; j++) {
      const v = scores[o + j];
      if (nan ? Number.isNaN(v) && j < t : Number.isNaN(v) || v > s || (v === s && j < t)) ahead++;
    }
    if (ahead < k) correct++;
  }
  return correct / rows;
}

/**
 * ROC AUC of a binary problem: the probability that a random positive row scores above a random negative one, ties
 * counting half (the Mann–Whitney U statistic, as scikit-learn's roc_auc_score). `classes` is 1 (one logit or
 * probability per row; labels 0 or 1, as for bceWithLogits) or 2 (two logits or softmax probabilities per row, ranked
 * by the second minus the first, which orders rows as the positive class's probability does; labels 0 or 1). NaN
 * scores rank above every number. NaN when the rows hold only one of the two classes: AUC is undefined there.
 */
export function rocAuc(scores: Float32Array, labels: ArrayLike<number>, rows: number, classes = 1): number {
  const fn = 'rocAuc';
  checkDims(fn, rows, classes, scores, labels.length);
  if (classes > 2)
    fail('ERR_SHAPE', `${fn}: is for binary problems, one score or two per row; got ${classes} per row (use precision/recall per class)`);
  const s = new Float64Array(rows);
  let positives = 0;
  for (let i = 0; i < rows; i++) {
    const t = labels[i];
    if (t !== 0 && t !== 1) fail('ERR_LABEL', `${fn}: labels[${i}] = ${t} must be 0 or 1`);
    positives += t;
    const v = classes === 1 ? scores[i] : scores[2 * i + 1] - scores[2 * i];
    s[i] = Number.isNaN(v) ? Infinity : v;
  }
  const negatives = rows - positives;
  if (positives === 0 || negatives === 0) return NaN;
  // Rank the rows (NaN as +Infinity, above a true +Infinity only in name: both tie), average ranks over ties.
  const nanRank = (i: number): number => (Number.isNaN(classes === 1 ? scores[i] : scores[2 * i + 1] - scores[2 * i]) ? 1 : 0);
  const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => s[a] - s[b] || nanRank(a) - nanRank(b));
  let rankSum = 0;
  for (let i = 0; i < rows; ) {
    let j = i + 1;
    while (j < rows && s[order[j]] === s[order[i]] && nanRank(order[j]) === nanRank(order[i])) j++;
    const rank = (i + 1 + j) / 2; // ranks i+1 … j, averaged
    for (let r = i; r < j; r++) if (labels[order[r]] === 1) rankSum += rank;
    i = j;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The names fit's `metrics` option takes, besides `topK:<k>` (e.g. 'topK:5'). */
export const FIT_METRIC_NAMES = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'weightedPrecision',
  'weightedRecall',
  'weightedF1',
  'auc',
  // Regression: logged for every fit on float targets with a regression loss; naming them only checks that it is one.
  'mae',
  'rmse',
  'r2',
] as const;

/** The regression metrics, which the training loop logs itself (lib/train/regression-metrics.ts). */
const REGRESSION_METRIC_KEYS: readonly string[] = ['mae', 'rmse', 'r2'];

/** A metric fit computes each epoch: its name as given, the key of its value in EpochLogs, and k for top-k. */
export interface FitMetric {
  name: string;
  key: string;
  k: number;
}

/**
 * fit's `metrics`: a list of names from FIT_METRIC_NAMES or 'topK:<k>', each logged under its own key ('f1', 'auc',
 * 'topK:5' as 'top5Accuracy') and, on validation data, with a 'val' prefix ('valF1'). Duplicates count once.
 */
export function checkFitMetrics(owner: string, v: unknown): FitMetric[] {
  if (!Array.isArray(v))
    fail('ERR_INVALID_ARG', `${owner}: metrics must be an array of names such as ['f1', 'topK:5', 'auc'], got ${show(v)}`);
  const out: FitMetric[] = [];
  for (const name of v as unknown[]) {
    if (typeof name !== 'string') fail('ERR_INVALID_ARG', `${owner}: metrics must hold names such as 'f1', got ${show(name)}`);
    let metric: FitMetric;
    const top = /^topK:(\d+)$/.exec(name);
    if (top) {
      const k = Number(top[1]);
      if (k < 1) fail('ERR_INVALID_ARG', `${owner}: metric '${name}' needs k >= 1, e.g. 'topK:5'`);
      metric = { name, key: `top${k}Accuracy`, k };
    } else if ((FIT_METRIC_NAMES as readonly string[]).includes(name)) metric = { name, key: name, k: 0 };
    else {
      const near = /^top/i.test(name) ? 'topK:5' : closestName(name, FIT_METRIC_NAMES);
      const hint = near === undefined ? '' : `; did you mean '${near}'?`;
      fail('ERR_INVALID_ARG', `${owner}: unknown metric ${show(name)} (known: ${FIT_METRIC_NAMES.join(', ')}, topK:<k>)${hint}`);
    }
    if (!out.some((m) => m.key === metric.key)) out.push(metric);
  }
  return out;
}

/** The key of a metric's value on validation data: 'f1' → 'valF1', 'top5Accuracy' → 'valTop5Accuracy'. */
export function validationKey(key: string): string {
  return `val${key[0].toUpperCase()}${key.slice(1)}`;
}

/**
 * Checked before training: precision, recall, F1 and top-k need class labels (an output per class); AUC a binary
 * problem, two classes or one output with 0/1 targets. `labels` null: the targets are floats, `width` per row.
 */
export function checkMetricsFit(
  owner: string,
  metrics: readonly FitMetric[],
  classes: number,
  labels: boolean,
  targets: Float32Array | null,
): void {
  for (const m of metrics) {
    if (m.key === 'auc') {
      if (labels ? classes === 2 : classes === 1 && targets !== null) {
        const bad = labels ? -1 : targets!.findIndex((t) => t !== 0 && t !== 1);
        if (bad >= 0) fail('ERR_LABEL', `${owner}: metric 'auc' needs targets 0 or 1, got ${targets![bad]} at row ${bad}`);
        continue;
      }
      fail(
        'ERR_INVALID_ARG',
        `${owner}: metric 'auc' is for binary problems (two classes, or one output with 0/1 targets); ` +
          `this model outputs ${classes} per row${labels ? '' : ' with float targets'}`,
      );
    }
    if (m.key === 'accuracy') continue;
    if (REGRESSION_METRIC_KEYS.includes(m.key)) {
      if (labels) fail('ERR_INVALID_ARG', `${owner}: metric '${m.name}' is for regression (float targets); these are class labels`);
      continue;
    }
    if (!labels) fail('ERR_INVALID_ARG', `${owner}: metric '${m.name}' needs class labels (one output per class), not float targets`);
    if (m.k >= classes)
      fail('ERR_INVALID_ARG', `${owner}: metric '${m.name}' counts every row with ${classes} classes; use k < ${classes}`);
  }
}

/**
 * Each metric's value over rows×width scores (logits or probabilities) and their labels (or 0/1 targets, for auc on
 * one output), written into `logs` under its key (prefix 'val': its validation key). 'accuracy' is left to fit.
 */
export function computeFitMetrics(
  metrics: readonly FitMetric[],
  scores: Float32Array,
  labels: Int32Array | null,
  targets: Float32Array | null,
  rows: number,
  width: number,
  logs: object,
  validation: boolean,
): void {
  let report: ClassificationReport | null = null;
  for (const m of metrics) {
    let value: number;
    if (m.key === 'accuracy' || REGRESSION_METRIC_KEYS.includes(m.key)) continue;
    if (m.key === 'auc') value = rocAuc(scores, labels ?? targets!, rows, width);
    else if (m.k > 0) value = topKAccuracy(scores, labels!, rows, width, m.k);
    else {
      report ??= classificationReport(confusionMatrix(argmax(scores, rows, width), labels!, width, rows));
      const avg = m.key.startsWith('weighted') ? report.weighted : report.macro;
      value =
        avg[
          m.key === 'precision' || m.key === 'weightedPrecision' ? 'precision' : m.key === 'f1' || m.key === 'weightedF1' ? 'f1' : 'recall'
        ];
    }
    (logs as Record<string, number>)[validation ? validationKey(m.key) : m.key] = value;
  }
}

/** The fit metric an epoch-log key comes from ('valF1' → 'f1', 'top5Accuracy' → 'topK:5'), or undefined. */
export function metricOfKey(key: string): string | undefined {
  const base = /^val[A-Z]/.test(key) ? `${key[3].toLowerCase()}${key.slice(4)}` : key;
  const top = /^top(\d+)Accuracy$/.exec(base);
  if (top) return `topK:${top[1]}`;
  return base !== 'accuracy' && (FIT_METRIC_NAMES as readonly string[]).includes(base) ? base : undefined;
}

/**
 * What a monitor's "not in the epoch logs" error adds: the key meant (a typo such as 'valf1'), or the fit metric to
 * ask for ('valF1' needs metrics: ['f1']).
 */
export function missingMonitorHint(monitor: string, have: readonly string[]): string {
  const near = closestName(monitor, have);
  if (near !== undefined && near !== monitor) return `; did you mean '${near}'?`;
  const metric = metricOfKey(monitor);
  if (metric === undefined) return '';
  const val = /^val[A-Z]/.test(monitor) ? ' and validation data' : '';
  return `; give fit metrics: ['${metric}']${val}`;
}
