/**
 * Issue 12, item 4: an option name fit, evaluate or predict does not know is an error naming the closest valid
 * name (`{ epoch: 5 }` used to run one epoch), as the optimizers' options are; and an optimizer built on another
 * model's parameters is refused before the first step (it used to "train" with no effect on this model).
 */
import { describe, expect, it } from 'vitest';
import { closestName } from '../../lib/check.js';
import { Adam, Dense, SGD, Sequential, evaluate, fit, fitBlocking, manualSeed, predict } from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { expectError } from '../helpers/errors.js';

const FEATURES = 4;
const CLASSES = 3;
const { x, y } = gaussianBlobs(60, FEATURES, CLASSES, 11, 0.7);

function makeModel(seed = 1): Sequential {
  manualSeed(seed);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), new Dense(8, CLASSES)]);
}

describe('closestName', () => {
  it('suggests a valid name one or two edits away (case, _ and - ignored), and nothing for a short or distant one', () => {
    const fitKeys = ['optimizer', 'epochs', 'batchSize', 'validationSplit', 'l2', 'loss'];
    expect(closestName('epoch', fitKeys)).toBe('epochs');
    expect(closestName('batch_size', fitKeys)).toBe('batchSize');
    expect(closestName('valdationSplit', fitKeys)).toBe('validationSplit');
    expect(closestName('optimiser', fitKeys)).toBe('optimizer');
    expect(closestName('lr', fitKeys)).toBeUndefined(); // not "l2": two letters say too little
    expect(closestName('momentum', fitKeys)).toBeUndefined();
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('fit, evaluate and predict options on %s', (_name, backend) => {
  it('an unknown option is an error with the closest valid name, before any work, however fit runs', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const before = model.getWeights();
      const optimizer = new SGD(model.parameters(), { lr: 0.1 });
      for (const worker of [true, false, undefined]) {
        const err = await rejection(fit(model, x, y, { optimizer, epoch: 5, worker } as never));
        expect(err.code).toBe('ERR_INVALID_ARG');
        expect(err.message).toMatch(/^fit: unknown option "epoch" \(known: .*\); did you mean "epochs"\?$/);
      }
      const e2 = await rejection(fitBlocking(model, x, y, { optimizer, batch_size: 8 } as never));
      expect(e2.message).toMatch(/did you mean "batchSize"/);
      const e3 = await rejection(fit(model, x, y, { optimizer, lr: 0.5 } as never));
      expect(e3.message).toMatch(/^fit: unknown option "lr" \(known: [^)]*\)$/); // no misleading "l2"
      expect(model.getWeights()).toEqual(before);
      expect(optimizer.stepCount).toBe(0);
      expectError(() => evaluate(model, x, y, { batchsize: 8 } as never), 'ERR_INVALID_ARG', /evaluate: unknown option.*"batchSize"/);
      expectError(() => model.evaluate(x, y, { los: 'mse' } as never), 'ERR_INVALID_ARG', /did you mean "loss"/);
      expectError(() => predict(model, x, { batchSzie: 8 } as never), 'ERR_INVALID_ARG', /predict: unknown option.*"batchSize"/);
      expectError(() => model.predict(x, 8 as never), 'ERR_INVALID_ARG', /predict: options must be an object/);
      // The optimizers say it the same way.
      expectError(() => new Adam(model.parameters(), { weight_decay: 0.1 } as never), 'ERR_INVALID_ARG', /did you mean "weightDecay"/);
    });
  });

  it("an optimizer over another model's parameters is refused before the first step, saying the fix", async () => {
    await onBackend(backend, async () => {
      const model = makeModel(1);
      const other = makeModel(2);
      const before = [model.getWeights(), other.getWeights()];
      const optimizer = new SGD(other.parameters(), { lr: 0.1 });
      for (const worker of [true, false]) {
        const err = await rejection(fit(model, x, y, { optimizer, epochs: 2, worker }));
        expect(err.code).toBe('ERR_INVALID_ARG');
        expect(err.message).toMatch(/optimizer.*not.*this model.*new SGD\(model\.parameters\(\)/);
      }
      const e2 = await rejection(fitBlocking(model, x, y, { optimizer }));
      expect(e2.code).toBe('ERR_INVALID_ARG');
      expect([model.getWeights(), other.getWeights()]).toEqual(before);
      expect(optimizer.stepCount).toBe(0);
      // Some of this model's parameters (fine-tuning the last layer) is fine.
      const last = new SGD(model.layers[1].parameters(), { lr: 0.1 });
      await fit(model, x, y, { optimizer: last, epochs: 1 });
      expect(model.getWeights()[0]).toEqual(before[0][0]);
      expect(model.getWeights()[2]).not.toEqual(before[0][2]);
    });
  });
});
