/**
 * Inputs kept as the bytes they came as: an image dataset of 60,000 28×28 pixels is 47 MB of bytes and 188 MB as
 * floats. A ByteTensor stands for the float tensor whose values are `data[i] * scale` (the product in double, rounded
 * once to float32, so bytes with scale 1/255 give exactly the floats of `byte / 255`). fit, evaluate, predict and
 * predictProba take it wherever they take an input Tensor and convert one batch at a time (the gatherByteRows kernel),
 * so the float copy of the whole dataset never exists. It takes no part in the graph: it is data, not a tensor to train.
 */
import { plural, show } from './check.js';
import { fail } from './errors.js';
import { formatShape, shapeSize, type Shape } from './tensor.js';

/** The default scale: a pixel's byte 0…255 to [0, 1]. */
export const BYTE_SCALE = 1 / 255;

function isUint8Array(v: unknown): v is Uint8Array {
  // Node's Buffer is a Uint8Array too; Uint8ClampedArray is not.
  return ArrayBuffer.isView(v) && v instanceof Uint8Array;
}

export class ByteTensor {
  readonly data: Uint8Array;
  readonly shape: number[];
  /** What one step of a byte is worth: value i is data[i] · scale. */
  readonly scale: number;

  constructor(data: Uint8Array, shape: Shape, scale: number = BYTE_SCALE) {
    if (!isUint8Array(data)) {
      fail(
        'ERR_INVALID_ARG',
        `ByteTensor: data must be a Uint8Array (or a Buffer), got ${show(data)}: for floats use a Tensor, for other ` +
          'integers convert them with Uint8Array.from(values) if every value is in 0…255',
      );
    }
    if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0))
      fail('ERR_INVALID_ARG', `ByteTensor: shape must be an array of non-negative integers, got ${show(shape)}`);
    const n = shapeSize(shape);
    if (n !== data.length)
      fail('ERR_SHAPE', `ByteTensor: shape ${formatShape(shape)} holds ${plural(n, 'element')}, data has ${data.length}`);
    if (typeof scale !== 'number' || !Number.isFinite(scale) || !(scale > 0))
      fail('ERR_INVALID_ARG', `ByteTensor: scale must be a finite number > 0 (e.g. 1/255 for pixels), got ${show(scale)}`);
    // A Buffer becomes a plain Uint8Array view of the same memory (no copy): what fit's worker rebuilds it as.
    this.data = data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
    this.shape = [...shape];
    this.scale = scale;
  }

  get size(): number {
    return this.data.length;
  }
}
