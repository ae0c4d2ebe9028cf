/**
 * The built-in datasets: digits (the mnist package's 10,000 digits, fixed 80/20 split per digit) and
 * Fashion-MNIST from an IDX directory, with the message that says how to get it when it is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DIGITS_TRAIN_FRACTION, loadDigits } from '../../lib/data/digits.js';
import { FASHION_CLASSES, FASHION_MNIST_DIR, loadFashionMnist, loadIdxPair } from '../../lib/data/fashion-mnist.js';
import { expectError } from '../helpers/errors.js';
import { idxFile } from '../helpers/idx-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-datasets-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function counts(y: Int32Array, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (const v of y) c[v]++;
  return c;
}

describe('loadDigits', () => {
  const { train, test } = loadDigits();

  it('10,000 digits of 784 pixels in [0, 1], split 80/20 within each digit', () => {
    expect(train.rows + test.rows).toBe(10_000);
    expect(train.features).toBe(784);
    expect(train.classes).toBe(10);
    expect(train.x.length).toBe(train.rows * 784);
    expect(test.x.length).toBe(test.rows * 784);
    let lo = Infinity,
      hi = -Infinity;
    for (const v of train.x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.9);
    const trainCounts = counts(train.y, 10),
      testCounts = counts(test.y, 10);
    for (let d = 0; d < 10; d++) {
      expect(trainCounts[d]).toBe(Math.floor((trainCounts[d] + testCounts[d]) * DIGITS_TRAIN_FRACTION));
      expect(testCounts[d]).toBeGreaterThan(100);
    }
    expect(train.rows).toBe(7996); // the documented split
  });

  it('is the same on every call (fixed, file-order split)', () => {
    const again = loadDigits();
    expect(again.test.y).toEqual(test.y);
    expect(again.test.x.subarray(0, 5000)).toEqual(test.x.subarray(0, 5000));
  });
});

describe('IDX directories', () => {
  it('loadIdxPair reads images and labels, scales pixels to [0, 1] and checks they agree', () => {
    const sub = path.join(dir, 'pair');
    fs.mkdirSync(sub);
    fs.writeFileSync(
      path.join(sub, 'train-images-idx3-ubyte.gz'),
      zlib.gzipSync(idxFile([3, 2, 2], Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]))),
    );
    fs.writeFileSync(path.join(sub, 'train-labels-idx1-ubyte'), idxFile([3], Uint8Array.from([2, 0, 1])));
    const d = loadIdxPair(sub, 'train');
    expect(d.rows).toBe(3);
    expect(d.features).toBe(4);
    expect(d.classes).toBe(3);
    expect(Array.from(d.x.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(Array.from(d.y)).toEqual([2, 0, 1]);

    fs.writeFileSync(path.join(sub, 't10k-images-idx3-ubyte'), idxFile([2, 2, 2], new Uint8Array(8)));
    fs.writeFileSync(path.join(sub, 't10k-labels-idx1-ubyte'), idxFile([3], new Uint8Array(3)));
    expectError(() => loadIdxPair(sub, 't10k'), 'ERR_IO', /t10k-labels-idx1-ubyte: 3 labels for 2 images/);
    expectError(() => loadIdxPair(sub, 'nope'), 'ERR_IO', /nope-images-idx3-ubyte\[\.gz\] not found/);
  });

  it('a missing Fashion-MNIST directory says how to get it', () => {
    const missing = path.join(dir, 'no-such-dir');
    expectError(
      () => loadFashionMnist(missing),
      'ERR_IO',
      new RegExp(`directory ${missing} not found; install it with \`apt-get install dataset-fashion-mnist\``),
    );
  });

  // Debian's dataset-fashion-mnist (installed by npm run setup) puts it there; elsewhere this test has nothing to read.
  it.skipIf(!fs.existsSync(FASHION_MNIST_DIR))(
    'Fashion-MNIST from the default directory: 60,000 + 10,000 images of 784 pixels, 10 named classes',
    () => {
      const { train, test } = loadFashionMnist();
      expect([train.rows, test.rows]).toEqual([60_000, 10_000]);
      expect(train.features).toBe(784);
      expect(test.classNames).toEqual(FASHION_CLASSES);
      expect(counts(test.y, 10)).toEqual(new Array(10).fill(1000));
    },
  );
});
