/**
 * Turns a `--data` argument into train and test splits: `digits`, `fashion-mnist`, a directory of MNIST-format
 * IDX files (train-/t10k- images-idx3-ubyte and labels-idx1-ubyte, plain or .gz), or a CSV file.
 *
 * A CSV file has no test split of its own, so training holds out a seeded random CSV_TEST_FRACTION of its rows
 * (random, not the last rows: tabular files are often sorted by class); evaluating uses every row.
 * Sampling uses its own generator seeded with `seed`, so it does not shift the stream that initializes the model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { plural, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { Random } from '../random.js';
import { readCsvLabelled, type LabelInference } from './csv.js';
import { takeRows, type Dataset, type Split } from './dataset.js';
import { loadDigits } from './digits.js';
import { FASHION_CLASSES, FASHION_MNIST_DIR, loadFashionMnist, loadIdxPair } from './fashion-mnist.js';

export const BUILTIN_DATASETS = ['digits', 'fashion-mnist'] as const;
export const CSV_TEST_FRACTION = 0.2;

export interface ResolveOptions {
  /** Keep at most this many rows of each split, a seeded random sample (for quick runs and tests). */
  limit?: number;
  seed?: number;
  /** CSV only: the label column (name or index; default the last) and whether there is a header (default: detected). */
  labelColumn?: string | number;
  header?: boolean;
  /** Map CSV labels onto these classes (a trained model's). */
  classNames?: readonly string[];
  /** A trained model's class count, when it has no class names: CSV labels must be class indices below it. */
  classes?: number;
  /** CSV only: classification, regression (a numeric label column as float targets) or auto (csv.ts's CsvOptions.task). */
  task?: 'auto' | 'classification' | 'regression';
}

export interface ResolvedData extends Split {
  /** "digits", "fashion-mnist", or the path given. */
  name: string;
  kind: 'builtin' | 'idx' | 'csv';
  /** Where the test split comes from, in words (for the user). */
  testSource: string;
  /** CSV: how its labels became classes, over every row of the file (before the hold-out and --limit). */
  labels?: LabelInference;
}

/** A seeded random subset of `n` rows (all of them when n ≥ rows), kept in their original order. */
export function sampleRows(d: Dataset, n: number, rng: Random): Dataset {
  if (n >= d.rows) return d;
  const picked = rng.permutation(d.rows).subarray(0, n).sort();
  return takeRows(d, picked);
}

/** Holds out a seeded random `fraction` of the rows as the test split. */
export function holdOut(d: Dataset, fraction: number, rng: Random): Split {
  if (!(fraction > 0 && fraction < 1)) fail('ERR_INVALID_ARG', `holdOut: fraction must be in (0, 1), got ${fraction}`);
  const nTest = Math.floor(d.rows * fraction);
  if (nTest < 1 || nTest >= d.rows)
    fail(
      'ERR_INVALID_ARG',
      `holdOut: ${plural(d.rows, 'row')} ${d.rows === 1 ? 'is' : 'are'} too few to hold out ${fraction * 100} % for testing`,
    );
  const perm = rng.permutation(d.rows);
  return { train: takeRows(d, perm.subarray(nTest).sort()), test: takeRows(d, perm.subarray(0, nTest).sort()) };
}

function checkIdxDir(dir: string, prefixes: string[]): void {
  for (const prefix of prefixes) {
    for (const kind of ['images-idx3-ubyte', 'labels-idx1-ubyte']) {
      const base = path.join(dir, `${prefix}-${kind}`);
      if (!fs.existsSync(base) && !fs.existsSync(`${base}.gz`)) {
        fail(
          'ERR_IO',
          `--data ${dir}: no ${prefix}-${kind}[.gz] there ` +
            `(an IDX directory holds train- and t10k- images-idx3-ubyte and labels-idx1-ubyte, plain or .gz)`,
        );
      }
    }
  }
}

/** The full splits for a --data argument, before --limit; `needTrain` false skips reading training files. */
function load(spec: string, o: ResolveOptions, needTrain: boolean): ResolvedData {
  const d = loadAny(spec, o, needTrain);
  if (o.task === 'regression' && d.kind !== 'csv')
    fail(
      'ERR_INVALID_ARG',
      `--task regression: ${spec} is labelled with classes; a regression reads its targets from a CSV's label column`,
    );
  return d;
}

function loadAny(spec: string, o: ResolveOptions, needTrain: boolean): ResolvedData {
  if (spec === 'digits')
    return { ...loadDigits(), name: spec, kind: 'builtin', testSource: 'the digits test split (last 20 % of each digit)' };
  if (spec === 'fashion-mnist')
    return { ...loadFashionMnist(), name: spec, kind: 'builtin', testSource: `the Fashion-MNIST test set (${FASHION_MNIST_DIR})` };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(spec);
  } catch {
    return fail(
      'ERR_IO',
      `--data ${spec}: no such file or directory (expected ${BUILTIN_DATASETS.join(', ')}, a directory of IDX files or a CSV file)`,
    );
  }
  if (stat.isDirectory()) {
    checkIdxDir(spec, needTrain ? ['train', 't10k'] : ['t10k']);
    const names = path.resolve(spec) === FASHION_MNIST_DIR ? FASHION_CLASSES : undefined;
    const test = loadIdxPair(spec, 't10k', names);
    const train = needTrain ? loadIdxPair(spec, 'train', names) : test;
    // Both splits need the same number of classes: a test set that lacks the last class must not shrink the output layer.
    const classes = Math.max(train.classes, test.classes);
    return {
      train: { ...train, classes },
      test: { ...test, classes },
      name: spec,
      kind: 'idx',
      testSource: `${path.join(spec, 't10k-*')}`,
    };
  }
  const { data: all, labels } = readCsvLabelled(spec, {
    labelColumn: o.labelColumn,
    header: o.header,
    classNames: o.classNames,
    classes: o.classes,
    task: o.task,
  });
  if (!needTrain) return { train: all, test: all, name: spec, kind: 'csv', testSource: `every row of ${spec}`, labels };
  return {
    ...holdOut(all, CSV_TEST_FRACTION, new Random(o.seed ?? 1)),
    name: spec,
    kind: 'csv',
    testSource: `a random ${CSV_TEST_FRACTION * 100} % of ${spec}'s rows (seeded)`,
    labels,
  };
}

function limitSplits(fn: string, d: ResolvedData, o: ResolveOptions): ResolvedData {
  if (o.limit === undefined) return d;
  positiveInteger(fn, 'limit (--limit)', o.limit);
  // A separate stream from holdOut's, so --limit does not change which CSV rows are held out.
  const rng = new Random((o.seed ?? 1) + 1);
  return { ...d, train: sampleRows(d.train, o.limit, rng), test: sampleRows(d.test, o.limit, rng) };
}

/** Train and test splits for training. */
export function resolveTrainingData(spec: string, options: ResolveOptions = {}): ResolvedData {
  return limitSplits('resolveTrainingData', load(spec, options, true), options);
}

/** The data to evaluate or score a model on: the test split of a built-in or IDX dataset, every row of a CSV. */
export function resolveEvaluationData(
  spec: string,
  options: ResolveOptions = {},
): Pick<ResolvedData, 'name' | 'kind' | 'testSource' | 'test' | 'labels'> {
  const d = limitSplits('resolveEvaluationData', load(spec, options, false), options);
  return { name: d.name, kind: d.kind, testSource: d.testSource, test: d.test, labels: d.labels };
}
