/**
 * The range of the features a model was trained on, kept in its checkpoint, and a check that data given to the model
 * later lies on the same scale. A model trained on pixels in 0..1 and evaluated on 0..255 gives confident, wrong
 * answers without any error (85 % accuracy with a loss of 48.8 instead of 97 %): the check turns that into one line.
 *
 * A range is `{ min, max }`, arrays of one value per feature (the input's values per row, in row-major order), or of
 * one value for all features (images, where every pixel has the same scale).
 *
 * "Far outside": a value more than the feature's training span (max − min) below min or above max; for a feature that
 * was constant in training, the widest span of any feature (or 1) stands in. Data whose values are far outside on
 * more than 1 % of them gets the warning: a few outliers are normal, a different scale is not.
 */
import { ByteTensor } from '../byte-tensor.js';
import { fail } from '../errors.js';

export interface InputRange {
  /** Per feature, or one value for every feature. */
  min: number[];
  max: number[];
}

export interface InputRangeReport {
  /** Values far outside the range (see the module comment). */
  outside: number;
  /** Values checked. */
  total: number;
  /** outside / total (0 for no values). */
  fraction: number;
  /** One line saying what is wrong and what to do, or null when the data is on the training scale. */
  message: string | null;
}

/** The share of values far outside the range above which checkInputRange warns. */
export const INPUT_RANGE_FAR_SHARE = 0.01;

/** Checks that `v` is an InputRange (finite numbers, min ≤ max, same non-zero length); `owner` names the caller. */
export function checkInputRangeValue(owner: string, v: unknown): InputRange {
  const r = v as Partial<InputRange> | null;
  const numbers = (a: unknown): a is number[] =>
    Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (typeof v !== 'object' || r === null || !numbers(r.min) || !numbers(r.max) || r.min.length !== r.max.length)
    fail(
      'ERR_INVALID_ARG',
      `${owner}: inputRange must be { min, max }, two arrays of finite numbers of the same length (per feature, or one)`,
    );
  const wrong = r.min.findIndex((lo, j) => lo > r.max![j]);
  if (wrong >= 0)
    fail('ERR_INVALID_ARG', `${owner}: inputRange.min[${wrong}] is ${r.min[wrong]}, above inputRange.max[${wrong}] ${r.max[wrong]}`);
  return { min: [...r.min], max: [...r.max] };
}

/**
 * The range of `x` (rows of `features` values, row-major): per feature, or one for all (`perFeature: false`). What to
 * record as a checkpoint's inputRange from the training rows (before any normalization folded into the model).
 */
export function inputRangeOf(x: Float32Array | ByteTensor, features: number, options: { perFeature?: boolean } = {}): InputRange {
  if (!(x instanceof Float32Array) && !(x instanceof ByteTensor))
    fail('ERR_INVALID_ARG', 'inputRangeOf: x must be a Float32Array of rows (or a ByteTensor)');
  const { data, scale } = valuesOf(x);
  if (!Number.isInteger(features) || features < 1 || data.length % features !== 0 || data.length === 0)
    fail('ERR_INVALID_ARG', `inputRangeOf: x has ${data.length} values, not a non-empty whole number of rows of ${features} features`);
  const n = options.perFeature === false ? 1 : features;
  const min = new Array<number>(n).fill(Infinity);
  const max = new Array<number>(n).fill(-Infinity);
  for (let i = 0; i < data.length; i++) {
    const v = scale === null ? data[i] : Math.fround(data[i] * scale);
    if (Number.isNaN(v)) continue;
    const j = i % n;
    if (v < min[j]) min[j] = v;
    if (v > max[j]) max[j] = v;
  }
  for (let j = 0; j < n; j++) if (!(min[j] <= max[j]) || !Number.isFinite(min[j]) || !Number.isFinite(max[j])) [min[j], max[j]] = [0, 0];
  return { min, max };
}

/** A ByteTensor's bytes and scale, or floats as they are (scale null): value i is data[i]·scale rounded as training does. */
function valuesOf(x: Float32Array | ByteTensor): { data: ArrayLike<number>; scale: number | null } {
  return x instanceof ByteTensor ? { data: x.data, scale: x.scale } : { data: x, scale: null };
}

const shown = (v: number): string => String(Number(v.toPrecision(4)));

/**
 * Compares `x` with the range a model was trained on (`checkpoint.inputRange`; null: nothing recorded, nothing to
 * check). `x` is a Float32Array of rows, or a Tensor-like `{ data, shape }` with the batch first. Unless
 * `warn: false`, a mismatch is also emitted as one process warning (code NEUROBLAS_INPUT_RANGE); `where` starts it.
 */
export function checkInputRange(
  range: InputRange | null,
  x: Float32Array | { data: Float32Array; shape: readonly number[] } | ByteTensor,
  where: string,
  options: { warn?: boolean } = {},
): InputRangeReport {
  if (!(x instanceof Float32Array || x instanceof ByteTensor || x?.data instanceof Float32Array))
    fail('ERR_INVALID_ARG', `${where}: checkInputRange needs a Float32Array, a Tensor or a ByteTensor`);
  const { data, scale } = valuesOf(x instanceof Float32Array || x instanceof ByteTensor ? x : x.data);
  if (range === null) return { outside: 0, total: data.length, fraction: 0, message: null };
  const { min, max } = checkInputRangeValue(where, range);
  const n = min.length;
  const perRow = x instanceof Float32Array ? null : x.shape.slice(1).reduce((a, b) => a * b, 1);
  if ((perRow !== null && n !== 1 && perRow !== n) || (perRow === null && data.length % n !== 0))
    fail('ERR_SHAPE', `${where}: the model was trained on rows of ${n} features, this data has ${perRow ?? `${data.length} values`}`);
  const spans = min.map((lo, j) => max[j] - lo);
  const widest = Math.max(...spans);
  const tolerance = spans.map((s) => (s > 0 ? s : widest > 0 ? widest : 1));
  let outside = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = scale === null ? data[i] : Math.fround(data[i] * scale);
    const j = i % n;
    if (v < min[j] - tolerance[j] || v > max[j] + tolerance[j]) outside++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const total = data.length;
  const fraction = total === 0 ? 0 : outside / total;
  let message: string | null = null;
  if (fraction > INPUT_RANGE_FAR_SHARE) {
    const [tlo, thi] = [Math.min(...min), Math.max(...max)];
    message =
      `${where}: ${(100 * fraction).toFixed(1)} % of the values lie far outside the range the model was trained on ` +
      `(training ${shown(tlo)}..${shown(thi)}, this data ${shown(lo)}..${shown(hi)}); ` +
      `scale it as the training data was, or the results mean nothing`;
    if (options.warn !== false) process.emitWarning(message, { code: 'NEUROBLAS_INPUT_RANGE' });
  }
  return { outside, total, fraction, message };
}
