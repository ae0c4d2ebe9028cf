/**
 * What the checkpoint tests share: a small classification task, a model that has every kind of saved state
 * (Dense weights, batch-norm running statistics, dropout drawing from the generator), and a way to run async
 * training on a chosen backend.
 */
import { BatchNorm1d, Dense, Dropout, Sequential, type Tensor, manualSeed } from '../../lib/index.js';
import { gaussianBlobs } from '../helpers/blobs.js';

export const FEATURES = 6;
export const CLASSES = 3;

/** Three Gaussian blobs (class c centred at 2·e_c), `rows` rows in random class order. */
export function blobs(rows: number, seed = 5): { x: Tensor; y: Int32Array } {
  return gaussianBlobs(rows, FEATURES, CLASSES, seed, 0.8);
}

/** Seeds the library's generator, then builds 6 → 16 relu → BN → dropout → 8 leaky-relu → 3. */
export function makeModel(seed = 1): Sequential {
  manualSeed(seed);
  return new Sequential([
    new Dense(FEATURES, 16, { activation: 'relu' }),
    new BatchNorm1d(16),
    new Dropout(0.2),
    new Dense(16, 8, { activation: 'leaky_relu', alpha: 0.05 }),
    new Dense(8, CLASSES),
  ]);
}

/** True when the two arrays hold the same float32 values bit for bit (NaN payloads aside). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
