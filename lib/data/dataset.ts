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

/**
 * Dataset arrays are allocated on shared memory: `fit` trains in a worker thread (lib/train/remote-fit.ts), and
 * data already on a SharedArrayBuffer reaches it without a copy (a copy of Fashion-MNIST's 188 MB costs about
 * half a second of page faults). Everything else treats them as ordinary typed arrays.
 */
export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * Int32Array.BYTES_PER_ELEMENT));
}
