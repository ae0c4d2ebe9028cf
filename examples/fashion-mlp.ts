/**
 * MLP-A on Fashion-MNIST: 784 → 512 → 256 → 10, ReLU, softmax cross-entropy, SGD lr 0.05 momentum 0.9,
 * batch 128, 10 epochs. Prints each epoch's test accuracy and training seconds.
 *
 * Initialization: He (Kaiming) uniform, bound √2·√(3/fan_in), zero biases, on all three layers. Dense's default
 * for a ReLU layer is already 'heUniform' (lib/init.ts defaultInitializer), but Glorot for the linear output
 * layer; the recipe sets He on every layer explicitly so it does not depend on those defaults
 * (bench/peers/mlp_epoch.py uses torch.nn.init.kaiming_uniform_(nonlinearity='relu') the same way).
 *
 *   npx tsx examples/fashion-mlp.ts [epochs] [trainRows]
 *
 * The data: /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), or options.dir. The pixels stay bytes
 * (loadFashionMnistBytes and ByteTensor: 47 MB instead of 188 as floats), converted to floats a batch at a time; the
 * run is bit for bit the one on floats.
 */
import { ByteTensor, Dense, SGD, Sequential, currentBackend, loadFashionMnistBytes, manualSeed } from '../lib/index.js';
import type { Backend, ByteDataset, Dataset, EpochLogs } from '../lib/index.js';
import { onBackend } from './on-backend.js';

/** Options of the Fashion-MNIST examples (this one and lenet.ts). */
export interface FashionMlpOptions {
  epochs?: number; // the recipe's: 10 here, 5 for LeNet
  /** Train on the first `trainRows` rows only (default all 60,000); the test set is always the full 10,000. */
  trainRows?: number;
  dir?: string;
  seed?: number; // 1
  /** OpenBLAS threads for the native backend (default: leave as is). */
  threads?: number;
  /** Run on this backend (default: the active one). */
  backend?: Backend;
  log?: (line: string) => void;
}

/** The model of the recipe (shared with bench/mlp-epoch.ts). */
export function mlpA(): Sequential {
  return new Sequential([
    new Dense(784, 512, { activation: 'relu', kernelInitializer: 'heUniform' }),
    new Dense(512, 256, { activation: 'relu', kernelInitializer: 'heUniform' }),
    new Dense(256, 10, { kernelInitializer: 'heUniform' }),
  ]);
}

export const MLP_A = { lr: 0.05, momentum: 0.9, batchSize: 128 } as const;

/** The first `rows` rows of a dataset (floats or bytes), without copying. */
export function headRows<D extends Dataset | ByteDataset>(d: D, rows: number): D {
  const n = Math.min(rows, d.rows);
  return { ...d, rows: n, x: d.x.subarray(0, n * d.features), y: d.y.subarray(0, n) };
}

export function fashionMlp(options: FashionMlpOptions = {}) {
  return onBackend(options.backend, () => run(options));
}

async function run(options: FashionMlpOptions) {
  const { epochs = 10, trainRows, dir, seed = 1, threads, backend, log = console.log } = options;
  if (threads !== undefined) currentBackend().setNumThreads(threads);
  manualSeed(seed);
  const data = await loadFashionMnistBytes(dir);
  const train = trainRows === undefined ? data.train : headRows(data.train, trainRows);
  const test = data.test;
  const model = mlpA();
  const optimizer = new SGD(model.parameters(), { lr: MLP_A.lr, momentum: MLP_A.momentum, backend });
  const x = new ByteTensor(train.x, [train.rows, train.features], train.scale);
  const xTest = new ByteTensor(test.x, [test.rows, test.features], test.scale);
  const b = currentBackend();
  const n = b.getNumThreads();
  log(`backend: ${b.name} (${n} thread${n === 1 ? '' : 's'}); ${train.rows} train / ${test.rows} test images`);
  const history: EpochLogs[] = await model.fit(x, train.y, {
    optimizer,
    epochs,
    batchSize: MLP_A.batchSize,
    validationData: [xTest, test.y],
    callbacks: {
      onEpochEnd: (l) =>
        log(
          `epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${(100 * l.accuracy!).toFixed(2)}% · ` +
            `test acc ${(100 * l.valAccuracy!).toFixed(2)}% · ${l.seconds.toFixed(2)} s`,
        ),
    },
  });
  return { model, history, testAccuracy: history[history.length - 1].valAccuracy! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number(process.argv[2] ?? 10);
  const trainRows = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const { testAccuracy, history } = await fashionMlp({ epochs, trainRows });
  const seconds = history.reduce((s, l) => s + l.seconds, 0);
  console.log(`test accuracy after ${epochs} epochs: ${(100 * testAccuracy).toFixed(2)} % (${seconds.toFixed(1)} s of training)`);
}
