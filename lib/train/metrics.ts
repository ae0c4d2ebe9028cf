/**
 * Classification metrics: accuracy, argmax, and the confusion matrix with per-class precision and recall.
 * Pure functions over flat row-major arrays. `accuracy` allocates nothing, so fit can call it every batch.
 *
 * Ties go to the lowest class index, and a NaN score counts as the largest (as torch.argmax does), so a
 * model that produces NaN is not credited with its first class.
 */
import { nonNegativeInteger, positiveInteger } from '../check.js';
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

export function precisionRecall(m: ConfusionMatrix): ClassScores {
  const { classes, counts } = m;
  const precision = new Float64Array(classes),
    recall = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let predicted = 0,
      actual = 0;
    for (let k = 0; k < classes; k++) {
      predicted += counts[k * classes + c];
      actual += counts[c * classes + k];
    }
    const hit = counts[c * classes + c];
    precision[c] = predicted === 0 ? NaN : hit / predicted;
    recall[c] = actual === 0 ? NaN : hit / actual;
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
