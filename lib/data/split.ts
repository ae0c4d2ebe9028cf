/**
 * The library's one validation split: `fit({ validationSplit })` and the CLI's `--validation-split` both hold out
 * rows with `trainValidationSplit`, so one name has one meaning. The rows are drawn at random from a generator
 * of their own (seeded, so the same data and seed give the same rows on every call, whatever the shuffles drew),
 * and with class labels the split is stratified: each class keeps its share of the rows on both sides, so data
 * sorted by class (loadDigits, many CSV files) is not split into "the last classes" and "the others".
 */
import { fail } from '../errors.js';
import { Random } from '../random.js';
import { takeRows, type Dataset, type Split } from './dataset.js';

/** The split's seed when none is given (fit's `validationSeed`). */
export const DEFAULT_VALIDATION_SEED = 1;

export interface TrainValidationSplitOptions {
  /** One class label per row: the split is then stratified (each class split in the same proportion). */
  labels?: ArrayLike<number> | null;
  /** The seed of the generator the rows are drawn from (default 1), or the generator itself. */
  seed?: number | Random;
  /** Who asks, for error messages (default 'trainValidationSplit'). */
  owner?: string;
}

export interface RowSplit {
  /** The training rows' indices, ascending. */
  train: Int32Array;
  /** The held-out rows' indices, ascending. */
  validation: Int32Array;
}

/**
 * How many rows of each class to hold out so that the total is `nVal` and each class gives about its share
 * (largest remainders), never a class's last training row while another class can give one instead.
 */
function classQuotas(counts: number[], fraction: number, nVal: number): number[] {
  const quotas = counts.map((c) => Math.floor(c * fraction));
  let left = nVal - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = counts
    .map((c, k) => ({ k, rest: c * fraction - quotas[k] }))
    .filter(({ k }) => counts[k] > 0)
    .sort((a, b) => b.rest - a.rest || a.k - b.k);
  for (const keepOne of [true, false]) {
    for (const { k } of byRemainder) {
      if (left === 0) return quotas;
      if (quotas[k] >= counts[k] || (keepOne && quotas[k] + 1 >= counts[k])) continue;
      quotas[k]++;
      left--;
    }
  }
  return quotas;
}

/**
 * Splits `rows` rows into training and validation rows: `floor(rows · fraction)` held out, drawn at random from
 * the seeded generator, stratified when `labels` are given. Both index lists come back in ascending order.
 */
export function trainValidationSplit(rows: number, fraction: number, options: TrainValidationSplitOptions = {}): RowSplit {
  const owner = options.owner ?? 'trainValidationSplit';
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
    fail('ERR_INVALID_ARG', `${owner}: the validation fraction must be in (0, 1), got ${String(fraction)}`);
  if (!Number.isInteger(rows) || rows < 0) fail('ERR_INVALID_ARG', `${owner}: rows must be an integer >= 0, got ${String(rows)}`);
  const nVal = Math.floor(rows * fraction);
  if (nVal < 1 || nVal >= rows)
    fail('ERR_INVALID_ARG', `${owner}: ${fraction} of ${rows} rows leaves no rows for training or validation; use more rows`);
  const seed = options.seed ?? DEFAULT_VALIDATION_SEED;
  const rng = seed instanceof Random ? seed : new Random(seed);
  const perm = rng.permutation(rows);
  const labels = options.labels ?? null;
  if (labels === null) return { train: perm.slice(nVal).sort(), validation: perm.slice(0, nVal).sort() };

  if (labels.length !== rows) fail('ERR_SHAPE', `${owner}: ${labels.length} labels for ${rows} rows`);
  const counts: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0) fail('ERR_LABEL', `${owner}: labels[${i}] = ${c} is not a class index`);
    while (counts.length <= c) counts.push(0);
    counts[c]++;
  }
  // The first quota[c] rows of class c in the random order are held out: a random sample of each class.
  const quotas = classQuotas(counts, fraction, nVal);
  const validation = new Int32Array(nVal);
  const train = new Int32Array(rows - nVal);
  let v = 0,
    t = 0;
  for (let i = 0; i < rows; i++) {
    const r = perm[i];
    const c = labels[r];
    if (quotas[c] > 0) {
      quotas[c]--;
      validation[v++] = r;
    } else train[t++] = r;
  }
  return { train: train.sort(), validation: validation.sort() };
}

/** A labelled dataset split by {@link trainValidationSplit} (stratified): `test` holds the validation rows. */
export function splitDataset(d: Dataset, fraction: number, seed: number | Random, owner = 'splitDataset'): Split {
  const { train, validation } = trainValidationSplit(d.rows, fraction, { labels: d.y, seed, owner });
  return { train: takeRows(d, train), test: takeRows(d, validation) };
}
