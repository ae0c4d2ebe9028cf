/**
 * Batches: every row once per pass, in the same seeded order `fit` uses, copied into buffers that are reused
 * from batch to batch and from pass to pass.
 */
import { describe, expect, it } from 'vitest';
import { BatchLoader, batches, gatherRows } from '../../lib/data/batches.js';
import { Random } from '../../lib/random.js';
import { expectError } from '../helpers/errors.js';

/** 10 rows of 3 features; row r holds r·10, r·10 + 1, r·10 + 2 and label r. */
const rows = 10,
  features = 3;
const data = {
  x: Float32Array.from({ length: rows * features }, (_, i) => Math.floor(i / features) * 10 + (i % features)),
  y: Int32Array.from({ length: rows }, (_, r) => r),
  rows,
  features,
};

/** The row numbers of a pass, checking that each batch's x rows match its labels. */
function rowOrder(loader: Iterable<{ x: Float32Array; y: Int32Array; rows: number }>): number[] {
  const order: number[] = [];
  for (const b of loader) {
    for (let i = 0; i < b.rows; i++) {
      expect(Array.from(b.x.subarray(i * features, (i + 1) * features))).toEqual([0, 1, 2].map((j) => b.y[i] * 10 + j));
      order.push(b.y[i]);
    }
  }
  return order;
}

describe('batches', () => {
  it('without shuffling: file order, batches of batchSize and a short last one', () => {
    const sizes: number[] = [];
    const order: number[] = [];
    for (const b of batches(data, { batchSize: 4, shuffle: false })) {
      sizes.push(b.rows);
      expect(b.x.length).toBe(b.rows * features);
      expect(b.y.length).toBe(b.rows);
      order.push(...b.y);
    }
    expect(sizes).toEqual([4, 4, 2]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('shuffled: each row exactly once per pass, x and y kept together', () => {
    const order = rowOrder(batches(data, { batchSize: 3, rng: new Random(5) }));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('the same seed gives the same order, the one fit draws (identity, then rng.shuffle)', () => {
    const a = rowOrder(batches(data, { batchSize: 4, rng: new Random(42) }));
    const b = rowOrder(batches(data, { batchSize: 4, rng: new Random(42) }));
    const fitOrder = new Random(42).shuffle(Uint32Array.from({ length: rows }, (_, i) => i));
    expect(a).toEqual(b);
    expect(a).toEqual(Array.from(fitOrder));
    expect(rowOrder(batches(data, { batchSize: 4, rng: new Random(43) }))).not.toEqual(a);
  });

  it('reuses its buffers: every batch of every pass is a view of the same memory', () => {
    const loader = new BatchLoader(data, { batchSize: 4, rng: new Random(1) });
    const xBuffers = new Set<ArrayBufferLike>(),
      yBuffers = new Set<ArrayBufferLike>();
    const passes: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      const order: number[] = [];
      for (const b of loader) {
        xBuffers.add(b.x.buffer);
        yBuffers.add(b.y.buffer);
        order.push(...b.y);
      }
      passes.push(order);
    }
    expect(xBuffers.size).toBe(1);
    expect(yBuffers.size).toBe(1);
    expect(loader.length).toBe(3);
    expect(passes[1]).not.toEqual(passes[0]); // a new shuffle each pass
  });

  it('dropLast skips the short batch; a batch larger than the data is one batch', () => {
    expect([...batches(data, { batchSize: 4, dropLast: true, shuffle: false })].map((b) => b.rows)).toEqual([4, 4]);
    expect(new BatchLoader(data, { batchSize: 4, dropLast: true }).length).toBe(2);
    expect([...batches(data, { batchSize: 64 })].map((b) => b.rows)).toEqual([10]);
  });

  it('checks its arguments', () => {
    expectError(() => batches(data, { batchSize: 0 }).next(), 'ERR_INVALID_ARG', /batches: batchSize must be a positive integer, got 0/);
    expectError(() => new BatchLoader({ ...data, y: new Int32Array(3) }), 'ERR_SHAPE', /batches: y has 3 labels for 10 rows/);
    expectError(() => new BatchLoader({ ...data, rows: 11 }), 'ERR_SHAPE', /batches: x has 30 values, expected rows·features = 11·3/);
  });
});

describe('gatherRows', () => {
  it('copies the rows an order names, or consecutive rows without one', () => {
    const dst = new Float32Array(6);
    gatherRows(data.x, features, [7, 2], 0, 2, dst);
    expect(Array.from(dst)).toEqual([70, 71, 72, 20, 21, 22]);
    gatherRows(data.x, features, null, 4, 2, dst);
    expect(Array.from(dst)).toEqual([40, 41, 42, 50, 51, 52]);
    const labels = new Int32Array(3);
    gatherRows(data.y, 1, [9, 0, 5], 0, 3, labels);
    expect(Array.from(labels)).toEqual([9, 0, 5]);
  });
});
