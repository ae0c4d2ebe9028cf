/**
 * Rows read one at a time (a CSV line, an IDX image) into batches, optionally through a seeded shuffle buffer, with
 * memory bounded by the buffer and one batch whatever the file's size. The buffer holds `shuffleBuffer` rows: each
 * new row takes the place of one drawn at random from it, which is emitted (TensorFlow's Dataset.shuffle); at the
 * end the rest go out in a random order. Rows stay near where they were in the file (within about the buffer's
 * length), so a file sorted by class needs a buffer larger than a class's run of rows.
 */
import { positiveInteger } from '../check.js';
import type { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import type { SourceBatch } from './source.js';

export interface StreamBatchOptions {
  /** Rows per batch (default 32). */
  batchSize?: number;
  /** Rows in the shuffle buffer; 0 or absent: file order. */
  shuffleBuffer?: number;
}

/** A row as a reader gives it: its values (a reused array: copy what you keep) and its label. */
export interface Row {
  values: Float32Array;
  label: number;
}

/** Batches of `rows`, each `features` values, shaped [n, ...sampleShape]; the batch arrays are reused from batch to batch. */
export async function* assembleBatches(
  rows: AsyncIterable<Row>,
  features: number,
  sampleShape: number[],
  o: StreamBatchOptions,
  rng: Random,
): AsyncGenerator<SourceBatch, void, undefined> {
  const batchSize = positiveInteger('batches', 'batchSize', o.batchSize ?? 32);
  const capacity =
    o.shuffleBuffer === undefined || o.shuffleBuffer === 0 ? 0 : positiveInteger('batches', 'shuffleBuffer', o.shuffleBuffer);
  const bx = new Float32Array(batchSize * features);
  const by = new Int32Array(batchSize);
  let n = 0;
  const flush = (): SourceBatch => {
    const m = n;
    n = 0;
    return {
      x: new Tensor(m === batchSize ? bx : bx.subarray(0, m * features), [m, ...sampleShape]),
      y: m === batchSize ? by : by.subarray(0, m),
    };
  };
  const add = (values: Float32Array, label: number): boolean => {
    bx.set(values, n * features);
    by[n++] = label;
    return n === batchSize;
  };
  const bufX = new Float32Array(capacity * features);
  const bufY = new Int32Array(capacity);
  let filled = 0;
  for await (const row of rows) {
    if (capacity === 0) {
      if (add(row.values, row.label)) yield flush();
      continue;
    }
    if (filled < capacity) {
      bufX.set(row.values, filled * features);
      bufY[filled++] = row.label;
      continue;
    }
    const j = rng.int(capacity);
    const full = add(bufX.subarray(j * features, (j + 1) * features), bufY[j]);
    bufX.set(row.values, j * features);
    bufY[j] = row.label;
    if (full) yield flush();
  }
  if (filled > 0) {
    const order = new Uint32Array(filled);
    for (let i = 0; i < filled; i++) order[i] = i;
    rng.shuffle(order);
    for (const j of order) if (add(bufX.subarray(j * features, (j + 1) * features), bufY[j])) yield flush();
  }
  if (n > 0) yield flush();
}
