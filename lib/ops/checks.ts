/**
 * Input checks that run before any work and name where the problem is (a layer, a loss, an argument).
 * Kernel-level checks (lib/backend/checked.ts) name kernel arguments; these name the user's objects.
 */
import { fail } from '../errors.js';
import { formatShape, type Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';

/** ERR_BAD_DATA naming the first NaN or ±Inf in data. `rowLength` turns the index into (sample, feature). */
export function checkFinite(where: string, data: ArrayLike<number>, rowLength = 0, start = 0, end = data.length): void {
  for (let i = start; i < end; i++) {
    const v = data[i];
    // v - v is NaN for NaN and ±Inf, 0 otherwise: one comparison per element.
    if (v - v !== 0) {
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      const at = rowLength > 0 ? `sample ${Math.floor(i / rowLength)}, feature ${i % rowLength}` : `index ${i}`;
      fail('ERR_BAD_DATA', `${where} contains ${what} at ${at}`);
    }
  }
}

/**
 * checkFinite for float32 data, at the speed of one vectorized pass: the backend's sum (in double, where finite
 * float32 values cannot overflow: 3.4e38 · 2^31 is far below 1.8e308) is finite exactly when every value is, and only
 * then is the data searched, to name the bad value. For predict's inputs and fit's datasets, where the JavaScript
 * scan cost as much as the forward pass it guards.
 */
export function checkFiniteF32(where: string, data: Float32Array, rowLength = 0): void {
  if (Number.isFinite(currentBackend().sum(data.length, data))) return;
  checkFinite(where, data, rowLength);
}

/** Elements checked per stretch by checkFiniteYielding: about 2 ms. */
const FINITE_CHUNK = 1 << 20;

/**
 * checkFinite in stretches, awaiting `pause` between them: the same check over a large dataset (Fashion-MNIST's
 * 47M pixels take ~120 ms) without holding an event loop for all of it.
 */
export async function checkFiniteYielding(
  where: string,
  data: ArrayLike<number>,
  rowLength: number,
  pause: () => Promise<void>,
): Promise<void> {
  for (let start = 0; start < data.length; start += FINITE_CHUNK) {
    const end = Math.min(data.length, start + FINITE_CHUNK);
    if (data instanceof Float32Array) {
      if (!Number.isFinite(currentBackend().sum(end - start, data.subarray(start, end)))) checkFinite(where, data, rowLength, start, end);
    } else checkFinite(where, data, rowLength, start, end);
    if (start + FINITE_CHUNK < data.length) await pause();
  }
}

/** ERR_SHAPE unless t is a batch: at least [batch, features]. */
export function checkBatch(where: string, t: Tensor): void {
  if (t.shape.length < 2) fail('ERR_SHAPE', `${where}: expected a batch of shape [batch, ...features], got ${formatShape(t.shape)}`);
}

/** ERR_LABEL naming the first label that is not an integer in [0, classes). */
export function checkLabels(where: string, labels: ArrayLike<number>, classes: number): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      fail('ERR_LABEL', `${where}: labels[${i}] = ${y} is not a class index in [0, ${classes})`);
    }
  }
}
