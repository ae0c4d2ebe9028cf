/** What a --data argument resolves to: built-in splits, IDX directories, CSV files with a seeded hold-out, and --limit. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_TEST_FRACTION, holdOut, resolveEvaluationData, resolveTrainingData, sampleRows } from '../../lib/data/resolve.js';
import type { Dataset } from '../../lib/data/dataset.js';
import { Random } from '../../lib/random.js';
import { expectError } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-resolve-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 50 rows, sorted by class (as tabular files often are); feature 0 is the row number. */
const csv = path.join(dir, 'sorted.csv');
fs.writeFileSync(csv, `id,v,label\n${Array.from({ length: 50 }, (_, r) => `${r},${r % 7},${r < 25 ? 'a' : 'b'}`).join('\n')}\n`);

const ids = (d: Dataset): number[] => Array.from({ length: d.rows }, (_, r) => d.x[r * d.features]);

describe('resolveTrainingData', () => {
  it('a CSV file: a seeded random 20 % held out, disjoint from training, together every row', () => {
    const d = resolveTrainingData(csv, { seed: 3 });
    expect(d.kind).toBe('csv');
    expect(d.test.rows).toBe(50 * CSV_TEST_FRACTION);
    const all = [...ids(d.train), ...ids(d.test)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // Random, not the last rows: both classes are in the test split.
    expect(new Set(d.test.y).size).toBe(2);
    expect(d.train.classNames).toEqual(['a', 'b']);
    expect(ids(resolveTrainingData(csv, { seed: 3 }).test)).toEqual(ids(d.test));
    expect(ids(resolveTrainingData(csv, { seed: 4 }).test)).not.toEqual(ids(d.test));
  });

  it('--limit keeps a seeded random sample of each split, in file order', () => {
    const d = resolveTrainingData('digits', { limit: 300, seed: 1 });
    expect([d.train.rows, d.test.rows]).toEqual([300, 300]);
    expect(d.train.x.length).toBe(300 * 784);
    expect(new Set(d.train.y).size).toBe(10); // not the first 300 rows, which are all zeros
    for (let r = 1; r < 300; r++) expect(d.train.y[r]).toBeGreaterThanOrEqual(d.train.y[r - 1]);
  });

  it('an IDX directory without its files, and a path that does not exist, are named', () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    expectError(() => resolveTrainingData(empty), 'ERR_IO', new RegExp(`--data ${empty}: no train-images-idx3-ubyte\\[\\.gz\\] there`));
    expectError(
      () => resolveTrainingData(path.join(dir, 'nope')),
      'ERR_IO',
      /no such file or directory \(expected digits, fashion-mnist, a directory of IDX files or a CSV file\)/,
    );
    expectError(
      () => resolveTrainingData('digits', { limit: 0 }),
      'ERR_INVALID_ARG',
      /resolveTrainingData: limit \(--limit\) must be a positive integer, got 0/,
    );
  });
});

describe('resolveEvaluationData', () => {
  it('a CSV file is evaluated on every row; digits on its test split', () => {
    expect(resolveEvaluationData(csv).test.rows).toBe(50);
    expect(resolveEvaluationData('digits').test.rows).toBe(2004);
  });
});

describe('holdOut and sampleRows', () => {
  const d = resolveEvaluationData(csv).test;
  it('holdOut refuses fractions that leave a side empty', () => {
    expectError(() => holdOut(d, 0.001, new Random(1)), 'ERR_INVALID_ARG', /too few to hold out/);
    expectError(() => holdOut(d, 1, new Random(1)), 'ERR_INVALID_ARG', /fraction must be in \(0, 1\)/);
  });
  it('sampleRows returns the data itself when asked for as many rows or more', () => {
    expect(sampleRows(d, 50, new Random(1))).toBe(d);
    expect(sampleRows(d, 10, new Random(1)).rows).toBe(10);
  });
});
