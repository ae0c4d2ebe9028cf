// Run inside a directory where the neuroblas tarball is installed (test/install/pack-install.sh copies it there):
// trains the README's digits network for 2 epochs through the installed package and prints its last epoch as one
// JSON line shaped like the CLI's (`neuroblas train --json`): epoch, epochs, valAccuracy, backend. Used when the
// package has no CLI.
import { Dense, SGD, Sequential, Tensor, backendInfo, loadDigits, manualSeed } from 'neuroblas';

manualSeed(1);
const { train, test } = loadDigits();
const model = new Sequential([new Dense(784, 100, { activation: 'sigmoid' }), new Dense(100, 10)]);
const history = await model.fit(new Tensor(train.x, [train.rows, 784]), train.y, {
  optimizer: new SGD(model.parameters(), { lr: 0.1 }),
  epochs: 2,
  batchSize: 32,
  validationData: [new Tensor(test.x, [test.rows, 784]), test.y],
});
const last = history.at(-1);
console.log(JSON.stringify({ epoch: last.epoch, epochs: 2, valAccuracy: last.valAccuracy, backend: backendInfo().backend }));
