/**
 * LeNet-5 on Fashion-MNIST, the largest example: conv 5×5 1→6 (padding 2), ReLU, max-pool 2, conv 5×5 6→16,
 * ReLU, max-pool 2, flatten (400), dense 120, 84 (ReLU), 10; softmax cross-entropy, Adam lr 1e-3, batch 128.
 * Every layer starts as PyTorch's would (uniform ±1/√fan_in for weights and biases), so the run is comparable
 * with bench/peers/lenet_torch.py (88.5 % test accuracy after 5 epochs there).
 *
 *   npx tsx examples/lenet.ts [epochs] [trainRows]
 *
 * The same from the command line (flat rows; the model's first layer views them as images):
 *
 *   neuroblas train --data fashion-mnist --model lenet --optimizer adam --lr 1e-3 --batch-size 128 --epochs 5
 *
 * The data: /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist), or options.dir.
 */
import { Adam, ByteTensor, Sequential, currentBackend, loadFashionMnistBytes, manualSeed } from '../lib/index.js';
import type { EpochLogs, Random } from '../lib/index.js';
import { lenetLayers } from '../lib/cli/model-presets.js';
import { headRows, type FashionMlpOptions } from './fashion-mlp.js';
import { onBackend } from './on-backend.js';

/** The same options as the Fashion-MNIST MLP example: epochs (default 5 here), rows, data dir, seed, threads, backend, log. */
export type LenetOptions = FashionMlpOptions;

export const LENET = { lr: 1e-3, batchSize: 128, epochs: 5 } as const;

/**
 * The LeNet-5 model for [batch, 1, 28, 28] images and 10 classes. The CLI's `neuroblas train --model lenet` builds
 * these same layers (one definition: lib/cli/model-presets.ts) behind an Unflatten([1, 28, 28]), for its flat rows.
 */
export function lenet(rng?: Random): Sequential {
  return new Sequential(lenetLayers(rng));
}

export function lenetFashion(options: LenetOptions = {}) {
  return onBackend(options.backend, () => run(options));
}

async function run(options: LenetOptions) {
  const { epochs = LENET.epochs, trainRows, dir, seed = 1, threads, backend, log = console.log } = options;
  if (threads !== undefined) currentBackend().setNumThreads(threads);
  manualSeed(seed);
  // The images stay bytes (47 MB instead of 188 MB of floats); fit converts one batch at a time.
  const data = await loadFashionMnistBytes(dir);
  const train = trainRows === undefined ? data.train : headRows(data.train, trainRows);
  const test = data.test;
  const model = lenet();
  const optimizer = new Adam(model.parameters(), { lr: LENET.lr, backend });
  // The loader gives flat rows of 784 pixels; the same memory viewed as 1×28×28 images.
  const x = new ByteTensor(train.x, [train.rows, 1, 28, 28], train.scale);
  const xTest = new ByteTensor(test.x, [test.rows, 1, 28, 28], test.scale);
  const b = currentBackend();
  const n = b.getNumThreads();
  log(`backend: ${b.name} (${n} thread${n === 1 ? '' : 's'}); ${train.rows} train / ${test.rows} test images`);
  // fitBlocking: a script with nothing else to keep responsive, so the training loop stays on this thread (the
  // epoch times are then the kernels' and the loop's alone, comparable with PyTorch's).
  const history: EpochLogs[] = await model.fitBlocking(x, train.y, {
    optimizer,
    epochs,
    batchSize: LENET.batchSize,
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
  const epochs = Number(process.argv[2] ?? LENET.epochs);
  const trainRows = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const { testAccuracy, history } = await lenetFashion({ epochs, trainRows });
  const seconds = history.map((l) => l.seconds).sort((a, b) => a - b);
  console.log(
    `test accuracy after ${epochs} epochs: ${(100 * testAccuracy).toFixed(2)} % ` +
      `(median epoch ${seconds[Math.floor(seconds.length / 2)].toFixed(2)} s)`,
  );
}
