/**
 * TF.js as a peer, when it is installed under bench/node_modules (it is not a dependency of this package):
 *
 *   npm install --no-save --no-package-lock --prefix bench @tensorflow/tfjs @tensorflow/tfjs-backend-wasm
 *
 * (the pure-JavaScript packages: nothing is downloaded at install or run time; @tensorflow/tfjs-node would fetch a
 * native library and is not used.) Builds MLP-A with TF.js's layers API and trains it with model.fit, the way a
 * TF.js user would: same shapes, He-uniform init, SGD lr 0.05 momentum 0.9, batch 128, softmax cross-entropy.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of the TF.js API used here (it is loaded at run time, so it has no types in this project). */
interface Tf {
  version: { tfjs: string };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tensor2d(values: Float32Array, shape: [number, number]): unknown;
  tensor1d(values: Float32Array, dtype: 'float32'): unknown;
  sequential(): TfModel;
  layers: { dense(config: Record<string, unknown>): unknown };
  train: { momentum(lr: number, momentum: number): unknown };
}

interface TfModel {
  add(layer: unknown): void;
  compile(config: Record<string, unknown>): void;
  fit(x: unknown, y: unknown, config: Record<string, unknown>): Promise<unknown>;
}

const benchDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** TF.js and the backends it can run here, or null when it is not installed under bench/node_modules. */
export function loadTfjs(): { tf: Tf; backends: string[] } | null {
  const require = createRequire(path.join(benchDir, 'package.json'));
  let tf: Tf;
  try {
    tf = require('@tensorflow/tfjs') as Tf;
  } catch {
    return null;
  }
  const backends = ['cpu'];
  try {
    require('@tensorflow/tfjs-backend-wasm');
    backends.push('wasm');
  } catch {
    // cpu only
  }
  return { tf, backends };
}

export const TFJS_INSTALL = 'npm install --no-save --no-package-lock --prefix bench @tensorflow/tfjs @tensorflow/tfjs-backend-wasm';

/**
 * Builds MLP-A on TF.js backend `backend` and copies the data into TF.js tensors (now, outside any timing); returns
 * the run: one epoch of model.fit over it, resolving to the seconds it took.
 */
export async function prepareTfjsMlpA(
  tf: Tf,
  backend: string,
  x: Float32Array,
  y: Int32Array,
  rows: number,
): Promise<() => Promise<number>> {
  await tf.setBackend(backend);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`TF.js: backend ${backend} did not start`);
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu', kernelInitializer: 'heUniform' }));
  model.add(tf.layers.dense({ units: 256, activation: 'relu', kernelInitializer: 'heUniform' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'heUniform' }));
  model.compile({ optimizer: tf.train.momentum(0.05, 0.9), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor2d(x.subarray(0, rows * 784), [rows, 784]);
  const ys = tf.tensor1d(Float32Array.from(y.subarray(0, rows)), 'float32');
  return async () => {
    const t = performance.now();
    await model.fit(xs, ys, { batchSize: 128, epochs: 1, shuffle: true, verbose: 0 });
    return (performance.now() - t) / 1000;
  };
}
