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
}

export interface Split {
  train: Dataset;
  test: Dataset;
}

// Dataset arrays are allocated on shared memory, so fit's worker reads them without a copy (lib/shared-memory.ts).
export { sharedFloat32, sharedInt32 } from '../shared-memory.js';
