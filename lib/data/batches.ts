/**
 * Mini-batches over an in-memory dataset. Rows are copied, in (seeded) shuffled order, into buffers that are
 * allocated once and reused for every batch, so iterating allocates no typed arrays after the first batch.
 * The price of the reuse: a batch's arrays are overwritten by the next one — copy what you keep.
 *
 * The shuffle draws from the generator exactly as `fit` does (identity order, then `rng.shuffle`), so the same
 * seed gives the same batches here and in the training loop.
 */
import { nonNegativeInteger, plural, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { defaultRandom, type Random } from '../random.js';
import type { Dataset } from './dataset.js';

type Rows = Float32Array | Int32Array;

/**
 * Copies rows `order[start .. start + n)` (or `start .. start + n` when `order` is null) of `src`, each `width`
 * values long, into the first `n · width` values of `dst`. The one row-gathering loop of the library.
 */
export function gatherRows<T extends Rows>(src: T, width: number, order: ArrayLike<number> | null, start: number, n: number, dst: T): void {
  for (let i = 0; i < n; i++) {
    const r = order ? order[start + i] : start + i;
    if (width === 1) dst[i] = src[r];
    else dst.set(src.subarray(r * width, (r + 1) * width), i * width);
  }
}

export interface BatchOptions {
  batchSize?: number; // 32
  shuffle?: boolean; // true
  /** The generator that shuffles (default: the library's seeded one). */
  rng?: Random;
  /** Skip the last batch when it is shorter than batchSize. Default false. */
  dropLast?: boolean;
}

export interface Batch {
  /** rows × features, a view of the reused buffer. */
  x: Float32Array;
  /** rows labels, a view of the reused buffer. */
  y: Int32Array;
  rows: number;
  /** 0-based batch number within this pass. */
  index: number;
}

/**
 * Batches of a dataset, pass after pass: each `epoch()` (or `for … of` the loader) shuffles anew and fills the
 * same two buffers, so a training loop that iterates one loader for many epochs allocates them once.
 */
export class BatchLoader {
  readonly batchSize: number;
  private readonly rng: Random;
  private readonly dropLast: boolean;
  /** The permutation of this pass; null when not shuffling (file order). */
  private readonly order: Uint32Array | null;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Int32Array;

  constructor(
    private readonly data: Pick<Dataset, 'x' | 'y' | 'rows' | 'features'>,
    options: BatchOptions = {},
  ) {
    const { batchSize = 32, shuffle = true, rng = defaultRandom, dropLast = false } = options;
    positiveInteger('batches', 'batchSize', batchSize);
    const { rows, features } = data;
    nonNegativeInteger('batches', 'rows', rows);
    positiveInteger('batches', 'features', features);
    if (data.x.length !== rows * features)
      fail('ERR_SHAPE', `batches: x has ${data.x.length} values, expected rows·features = ${rows}·${features}`);
    if (data.y.length !== rows) fail('ERR_SHAPE', `batches: y has ${plural(data.y.length, 'label')} for ${plural(rows, 'row')}`);
    this.batchSize = batchSize;
    this.rng = rng;
    this.dropLast = dropLast;
    this.order = shuffle ? new Uint32Array(rows) : null;
    this.xBuf = new Float32Array(Math.min(batchSize, rows) * features);
    this.yBuf = new Int32Array(Math.min(batchSize, rows));
  }

  /** Batches per pass. */
  get length(): number {
    const { rows } = this.data;
    return this.dropLast ? Math.floor(rows / this.batchSize) : Math.ceil(rows / this.batchSize);
  }

  /** One pass over the data. */
  *epoch(): Generator<Batch, void, undefined> {
    const { rows, features } = this.data;
    const order = this.order;
    if (order) {
      for (let i = 0; i < rows; i++) order[i] = i;
      this.rng.shuffle(order);
    }
    const { xBuf, yBuf, batchSize } = this;
    for (let start = 0, index = 0; start < rows; start += batchSize, index++) {
      const n = Math.min(batchSize, rows - start);
      if (n < batchSize && this.dropLast) return;
      const x = n * features === xBuf.length ? xBuf : xBuf.subarray(0, n * features);
      const y = n === yBuf.length ? yBuf : yBuf.subarray(0, n);
      gatherRows(this.data.x, features, order, start, n, x);
      gatherRows(this.data.y, 1, order, start, n, y);
      yield { x, y, rows: n, index };
    }
  }

  [Symbol.iterator](): Generator<Batch, void, undefined> {
    return this.epoch();
  }
}

/** One pass over `data` in batches (a shorthand for `new BatchLoader(data, options).epoch()`). */
export function batches(
  data: Pick<Dataset, 'x' | 'y' | 'rows' | 'features'>,
  options: BatchOptions = {},
): Generator<Batch, void, undefined> {
  return new BatchLoader(data, options).epoch();
}
