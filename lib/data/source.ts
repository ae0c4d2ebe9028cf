/**
 * Data that does not fit in memory, for `fit(model, source, options)`: a source of batches read from disk as
 * training goes. Either an async iterable of batches (iterated once per epoch: its `[Symbol.asyncIterator]()` must
 * start a new pass each time, as csvBatches' and idxBatches' do), or a dataset object with a length (batches per
 * epoch) and a batch reader.
 */
import type { Tensor } from '../tensor.js';

/** One batch: inputs [rows, ...sample] and one label (or target row) per row. Its arrays may be reused by the next. */
export interface SourceBatch {
  x: Tensor;
  y: Int32Array | Float32Array | Tensor;
}

/** Random access to a dataset's batches: `readBatch(i)` for i in [0, length). */
export interface BatchDataset {
  readonly length: number;
  readBatch(index: number): SourceBatch | Promise<SourceBatch>;
}

export type BatchSource = AsyncIterable<SourceBatch> | Iterable<SourceBatch> | BatchDataset;

/** Whether `v` is a batch source (not a tensor, which fit takes with its targets). */
export function isBatchSource(v: unknown): v is BatchSource {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<PropertyKey, unknown>;
  if (typeof o[Symbol.asyncIterator] === 'function') return true;
  if (typeof o.readBatch === 'function' && typeof o.length === 'number') return true;
  // A plain iterable of batches (an array, a generator), but not a tensor or typed array.
  return typeof o[Symbol.iterator] === 'function' && !ArrayBuffer.isView(v) && !('shape' in o);
}

/** One pass over the source's batches. */
export async function* passOver(source: BatchSource): AsyncGenerator<SourceBatch, void, undefined> {
  if ('readBatch' in source && typeof source.readBatch === 'function') {
    for (let i = 0; i < source.length; i++) yield await source.readBatch(i);
    return;
  }
  yield* source as AsyncIterable<SourceBatch>;
}
