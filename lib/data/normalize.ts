/**
 * Feature normalization. Statistics are fitted on the training split only and then applied, unchanged, to the
 * test split (and to whatever the model later predicts on): fitting them on the test data would leak it into
 * training and overstate test accuracy. Both kinds are one affine map per feature, x' = (x − offset) · scale,
 * so one `applyNormalization` serves both and a saved model needs only the two arrays to reproduce it.
 */
import { positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import type { Dataset, Split } from './dataset.js';

export type NormalizationKind = 'minmax' | 'standardize';
export const NORMALIZATION_KINDS: readonly NormalizationKind[] = ['minmax', 'standardize'];

export interface Normalization {
  kind: NormalizationKind;
  features: number;
  offset: Float32Array;
  scale: Float32Array;
}

function checkKind(kind: unknown): NormalizationKind {
  if (!NORMALIZATION_KINDS.includes(kind as NormalizationKind))
    fail('ERR_INVALID_ARG', `normalization: kind must be one of ${NORMALIZATION_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  return kind as NormalizationKind;
}

function checkRows(where: string, x: Float32Array, features: number): number {
  positiveInteger(where, 'features', features);
  if (x.length % features !== 0) fail('ERR_SHAPE', `${where}: ${x.length} values are not whole rows of ${features} features`);
  return x.length / features;
}

/**
 * Fits per-feature statistics on `x` (rows × features): 'minmax' maps [min, max] to [0, 1]; 'standardize'
 * subtracts the mean and divides by the (population) standard deviation. A constant feature gets scale 1,
 * so it becomes 0 instead of NaN.
 */
export function fitNormalization(kind: NormalizationKind, x: Float32Array, features: number): Normalization {
  checkKind(kind);
  const rows = checkRows('fitNormalization', x, features);
  if (rows === 0) fail('ERR_SHAPE', 'fitNormalization: no rows to fit on');
  const offset = new Float32Array(features);
  const scale = new Float32Array(features);
  for (let j = 0; j < features; j++) {
    if (kind === 'minmax') {
      let lo = Infinity,
        hi = -Infinity;
      for (let i = j; i < x.length; i += features) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
      }
      offset[j] = lo;
      scale[j] = hi > lo ? 1 / (hi - lo) : 1;
    } else {
      // Two passes in float64: one-pass sums of squares lose everything when the mean is large.
      let sum = 0;
      for (let i = j; i < x.length; i += features) sum += x[i];
      const mean = sum / rows;
      let sq = 0;
      for (let i = j; i < x.length; i += features) sq += (x[i] - mean) ** 2;
      const std = Math.sqrt(sq / rows);
      offset[j] = mean;
      scale[j] = std > 0 ? 1 / std : 1;
    }
  }
  return { kind, features, offset, scale };
}

/** Applies fitted statistics to `x` (rows × features), into `out` (default: a new array; pass `x` for in place). */
export function applyNormalization(n: Normalization, x: Float32Array, out: Float32Array = new Float32Array(x.length)): Float32Array {
  checkRows('applyNormalization', x, n.features);
  if (out.length !== x.length) fail('ERR_SHAPE', `applyNormalization: out has ${out.length} values, x has ${x.length}`);
  const { features, offset, scale } = n;
  for (let i = 0; i < x.length; i++) {
    const j = i % features;
    out[i] = (x[i] - offset[j]) * scale[j];
  }
  return out;
}

/** Fits on `split.train` and applies the same statistics to both splits (new arrays; the inputs are left alone). */
export function normalizeSplit(kind: NormalizationKind, split: Split): Split & { normalization: Normalization } {
  const normalization = fitNormalization(kind, split.train.x, split.train.features);
  const apply = (d: Dataset): Dataset => {
    if (d.features !== normalization.features)
      fail('ERR_SHAPE', `normalizeSplit: the test split has ${d.features} features, the training split ${normalization.features}`);
    return { ...d, x: applyNormalization(normalization, d.x) };
  };
  return { train: apply(split.train), test: apply(split.test), normalization };
}

/**
 * Folds a normalization into the first dense layer (`weight` [features, out] row-major, `bias` [out]) so that
 * the layer gives on raw inputs what it gave on normalized ones: W'ⱼₖ = scaleⱼ·Wⱼₖ, b'ₖ = bₖ − Σⱼ offsetⱼ·scaleⱼ·Wⱼₖ.
 * A model saved after folding needs no statistics beside it: evaluate and predict feed it raw rows.
 */
export function foldNormalization(n: Normalization, weight: Float32Array, bias: Float32Array): void {
  const out = bias.length;
  if (weight.length !== n.features * out)
    fail('ERR_SHAPE', `foldNormalization: weight has ${weight.length} values, expected features·out = ${n.features}·${out}`);
  for (let k = 0; k < out; k++) {
    let shift = 0; // float64: the sum runs over every feature
    for (let j = 0; j < n.features; j++) shift += n.offset[j] * n.scale[j] * weight[j * out + k];
    bias[k] -= shift;
  }
  for (let j = 0; j < n.features; j++) {
    for (let k = 0; k < out; k++) weight[j * out + k] *= n.scale[j];
  }
}
