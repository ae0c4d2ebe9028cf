/**
 * The classic digits MLP: 784 → 100 (sigmoid) → 10, softmax cross-entropy, batch 32, SGD lr 0.1,
 * on the 10,000 real MNIST digits of the `mnist` package (first 80 % of each digit train, the rest test).
 * 30 epochs reach about 92 % test accuracy (91.9 % with seed 1 on native).
 *
 *   npx tsx examples/digits-mlp.ts [epochs]
 */
import { Dense, Sequential, SGD, Tensor, currentBackend, loadDigits, manualSeed } from '../lib/index.js';
import type { Backend, EpochLogs } from '../lib/index.js';
import { onBackend } from './on-backend.js';

export interface DigitsMlpOptions {
  epochs?: number; // 30
  seed?: number; // 1
  /** Run on this backend (default: the active one). */
  backend?: Backend;
  log?: (line: string) => void;
}

/** `digitsMlp(epochs, log)` (the original form) or `digitsMlp({ epochs, seed, backend, log })`. */
export function digitsMlp(options: DigitsMlpOptions | number = {}, log?: (line: string) => void) {
  const o: DigitsMlpOptions = typeof options === 'number' ? { epochs: options, log } : { ...options, log: options.log ?? log };
  return onBackend(o.backend, () => run(o));
}

async function run(options: DigitsMlpOptions) {
  const { epochs = 30, seed = 1, backend, log = console.log } = options;
  manualSeed(seed);
  const { train, test } = loadDigits();
  const model = new Sequential([new Dense(784, 100, { activation: 'sigmoid' }), new Dense(100, 10)]);
  const optimizer = new SGD(model.parameters(), { lr: 0.1, backend });
  const x = new Tensor(train.x, [train.rows, 784]);
  const xTest = new Tensor(test.x, [test.rows, 784]);
  log(`backend: ${currentBackend().name}; ${train.rows} train / ${test.rows} test digits`);
  const history: EpochLogs[] = await model.fit(x, train.y, {
    optimizer,
    epochs,
    batchSize: 32,
    validationData: [xTest, test.y],
    callbacks: {
      onEpochEnd: (l) =>
        log(
          `epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${(100 * l.accuracy!).toFixed(1)}% · ` +
            `test loss ${l.valLoss!.toFixed(4)} acc ${(100 * l.valAccuracy!).toFixed(1)}% · ${l.seconds.toFixed(2)} s`,
        ),
    },
  });
  return { model, history, testAccuracy: history[history.length - 1].valAccuracy! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number(process.argv[2] ?? 30);
  const { testAccuracy } = await digitsMlp({ epochs });
  console.log(`test accuracy after ${epochs} epochs: ${(100 * testAccuracy).toFixed(2)} %`);
}
