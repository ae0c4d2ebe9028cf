/** Gaussian blobs, the small classification set many tests train on: class c centred at 2·e_c, seeded. */
import { Random, Tensor } from '../../lib/index.js';

export function gaussianBlobs(rows: number, features: number, classes: number, seed: number, spread: number): { x: Tensor; y: Int32Array } {
  const rng = new Random(seed);
  const x = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const c = rng.int(classes);
    y[i] = c;
    for (let j = 0; j < features; j++) x[i * features + j] = rng.normal(j === c ? 2 : 0, spread);
  }
  return { x: new Tensor(x, [rows, features]), y };
}
