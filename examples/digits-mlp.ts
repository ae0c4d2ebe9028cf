/**
 * The seeds' digits network: 784 → 100 (sigmoid) → 10, softmax cross-entropy, batch 32, SGD lr 0.1,
 * on the 10,000 real MNIST digits of the `mnist` package (first 80 % of each digit train, the rest test).
 *
 *   npx tsx examples/digits-mlp.ts [epochs]
 */
import { Dense, Sequential, SGD, Tensor, backendInfo, loadDigits, manualSeed } from '../lib/index.js';

export async function digitsMlp(epochs = 30, log: (line: string) => void = console.log) {
  manualSeed(1);
  const { train, test } = loadDigits();
  const model = new Sequential([new Dense(784, 100, { activation: 'sigmoid' }), new Dense(100, 10)]);
  const optimizer = new SGD(model.parameters(), { lr: 0.1 });
  const x = new Tensor(train.x, [train.rows, 784]);
  const xTest = new Tensor(test.x, [test.rows, 784]);
  log(`backend: ${backendInfo().backend}; ${train.rows} train / ${test.rows} test digits`);
  const history = await model.fit(x, train.y, {
    optimizer, epochs, batchSize: 32, validationData: [xTest, test.y],
    callbacks: { onEpochEnd: (l) => log(`epoch ${l.epoch}: loss ${l.loss.toFixed(4)} acc ${(100 * l.accuracy!).toFixed(1)}% · test loss ${l.valLoss!.toFixed(4)} acc ${(100 * l.valAccuracy!).toFixed(1)}% · ${l.seconds.toFixed(2)} s`) },
  });
  return { model, history, testAccuracy: history[history.length - 1].valAccuracy! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number(process.argv[2] ?? 30);
  const { testAccuracy } = await digitsMlp(epochs);
  console.log(`test accuracy after ${epochs} epochs: ${(100 * testAccuracy).toFixed(2)} %`);
}
