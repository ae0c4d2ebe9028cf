import { sharedFloat32, sharedInt32, sharedUint8 } from '../shared-memory.js';

/** A labelled dataset held in memory: `rows` samples of `features` floats each, row-major, with integer labels. */
export interface Dataset {
  x: Float32Array;
  y: Int32Array;
  rows: number;
  features: number;
  classes: number;
  /** The shape of one sample, e.g. [784] or [1, 28, 28]. */
  sampleShape: number[];
  /** Class names when the data has them (Fashion-MNIST's "T-shirt/top", …). */
  classNames?: string[];
  /**
   * A regression's targets, one float per row (a CSV's numeric label column read with task 'regression'); `y` is then
   * all zeros and `classes` 0.
   */
  targets?: Float32Array;
}

export interface Split {
  train: Dataset;
  test: Dataset;
}

/** A dataset whose inputs are bytes standing for `x[i] * scale` (loadFashionMnistBytes): wrap x in a ByteTensor. */
export interface ByteDataset extends Omit<Dataset, 'x' | 'targets'> {
  x: Uint8Array;
  scale: number;
}

export interface ByteSplit {
  train: ByteDataset;
  test: ByteDataset;
}

// Dataset arrays are allocated on shared memory, so fit's worker reads them without a copy (lib/shared-memory.ts).
export { sharedFloat32, sharedInt32, sharedUint8 };

/** The rows `indices` of `d`, in that order, as a new dataset (on shared memory, like the loaders' data). */
export function takeRows(d: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const x = sharedFloat32(n * d.features);
  const y = sharedInt32(n);
  const targets = d.targets === undefined ? undefined : sharedFloat32(n);
  for (let i = 0; i < n; i++) {
    const r = indices[i];
    x.set(d.x.subarray(r * d.features, (r + 1) * d.features), i * d.features);
    y[i] = d.y[r];
    if (targets !== undefined) targets[i] = d.targets![r];
  }
  return { ...d, x, y, rows: n, ...(targets === undefined ? {} : { targets }) };
}
