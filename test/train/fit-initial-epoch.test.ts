/**
 * fit's initialEpoch: a resumed fit numbers its epochs from initialEpoch + 1 (EpochLogs.epoch and the callbacks'
 * epoch argument), `epochs` stays the number of epochs to run, and it is checked (a non-negative integer) before
 * any work. The same through fitSync, fit on the caller's thread and fit in a worker thread. A schedule that has
 * not counted the epochs before is refused at the first epoch, before it sets a wrong lr; callbacks continued in
 * the same process (no checkpoint) give the uninterrupted run too.
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  EarlyStopping,
  ReduceLROnPlateau,
  Sequential,
  StepLR,
  fit,
  fitSync,
  manualSeed,
  type EpochLogs,
  type FitOptions,
  type Inputs,
  type Targets,
  type TrainingCallback,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';
import { onBackend } from '../helpers/async.js';

const { x, y } = gaussianBlobs(96, 4, 3, 11, 0.7);
const val = gaussianBlobs(48, 4, 3, 12, 0.7);

function makeModel(): Sequential {
  manualSeed(1);
  return new Sequential([new Dense(4, 8, { activation: 'relu' }), new Dense(8, 3)]);
}

type Train = (model: Sequential, x: Inputs, y: Targets, o: FitOptions) => Promise<EpochLogs[]>;
const PATHS: [string, Train][] = [
  ['fitSync', fitSync],
  ["fit on the caller's thread", (m, a, b, o) => fit(m, a, b, { ...o, worker: false })],
  ['fit in a worker', (m, a, b, o) => fit(m, a, b, { ...o, worker: true })],
];

/** The epoch numbers each hook was given, in order. */
function recorder(): { events: string[]; callback: TrainingCallback } {
  const events: string[] = [];
  return {
    events,
    callback: {
      onEpochBegin: (e) => {
        events.push(`begin ${e}`);
      },
      onEpochEnd: (l) => {
        events.push(`end ${l.epoch}`);
      },
      onTrainEnd: (h) => {
        events.push(`trainEnd ${h.map((l) => l.epoch).join(',')}`);
      },
    },
  };
}

const rejection = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

describe.each(backends.map((b) => [b.name, b] as const))('fit with initialEpoch on %s', (_name, backend) => {
  describe.each(PATHS)('%s', (_path, train) => {
    it('numbers the epochs from initialEpoch + 1; epochs is how many to run', async () => {
      await onBackend(backend, async () => {
        const model = makeModel();
        const { events, callback } = recorder();
        const history = await train(model, x, y, {
          optimizer: new Adam(model.parameters(), { lr: 0.01, backend }),
          initialEpoch: 5,
          epochs: 3,
          batchSize: 16,
          callbacks: callback,
        });
        expect(history.map((l) => l.epoch)).toEqual([6, 7, 8]);
        expect(events).toEqual(['begin 6', 'end 6', 'begin 7', 'end 7', 'begin 8', 'end 8', 'trainEnd 6,7,8']);
      });
    });

    it('initialEpoch 0 is the default; the run is the same whatever the numbering', async () => {
      await onBackend(backend, async () => {
        const run = async (initialEpoch?: number) => {
          const model = makeModel();
          const h = await train(model, x, y, {
            optimizer: new Adam(model.parameters(), { lr: 0.01, backend }),
            initialEpoch,
            epochs: 2,
            batchSize: 16,
          });
          return { epochs: h.map((l) => l.epoch), losses: h.map((l) => l.loss), weights: model.getWeights() };
        };
        const plain = await run();
        expect(plain.epochs).toEqual([1, 2]);
        expect(await run(0)).toEqual(plain);
        const later = await run(10);
        expect(later.epochs).toEqual([11, 12]);
        expect({ ...later, epochs: plain.epochs }).toEqual(plain);
      });
    });

    it('refuses an initialEpoch that is not a non-negative integer, before any work', async () => {
      await onBackend(backend, async () => {
        const model = makeModel();
        const before = model.getWeights();
        for (const bad of [-1, 1.5, NaN, Infinity, '2', null]) {
          const err = await rejection(
            train(model, x, y, { optimizer: new Adam(model.parameters(), { lr: 0.01, backend }), initialEpoch: bad as number, epochs: 1 }),
          );
          expect(err, String(bad)).toMatchObject({ name: 'NeuroblasError', code: 'ERR_INVALID_ARG' });
          expect((err as Error).message).toMatch(
            /^fit: initialEpoch \(the epochs already done, e\.g\. a checkpoint's epoch\) must be a non-negative integer, got /,
          );
        }
        expect(model.getWeights()).toEqual(before);
      });
    });

    it('a schedule that has not counted the epochs before is refused at the first epoch, before training', async () => {
      await onBackend(backend, async () => {
        const model = makeModel();
        const before = model.getWeights();
        const optimizer = new Adam(model.parameters(), { lr: 0.01, backend });
        const err = await rejection(
          train(model, x, y, { optimizer, initialEpoch: 4, epochs: 2, batchSize: 16, callbacks: new StepLR(optimizer, { stepSize: 2 }) }),
        );
        expect(err).toMatchObject({ code: 'ERR_INVALID_ARG' });
        expect((err as Error).message).toMatch(
          /^StepLR: this fit starts at epoch 5 \(initialEpoch 4\), but the schedule has counted 0 epochs/,
        );
        expect(model.getWeights()).toEqual(before);
        expect(optimizer.stepCount).toBe(0);
      });
    });

    it('continuing in the same process with the same objects (no checkpoint) gives the uninterrupted run', async () => {
      await onBackend(backend, async () => {
        const wrong = Int32Array.from(val.y, (c) => (c + 1) % 3); // valLoss worsens as training goes: a plateau, then a stop
        const setup = () => {
          const model = makeModel();
          const optimizer = new Adam(model.parameters(), { lr: 0.05, backend });
          const callbacks: [ReduceLROnPlateau, EarlyStopping] = [
            new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 }),
            new EarlyStopping({ patience: 3 }),
          ];
          return {
            model,
            optimizer,
            callbacks,
            options: { optimizer, callbacks, batchSize: 16, validationData: [val.x, wrong] as [Inputs, Targets] },
          };
        };
        const strip = (h: EpochLogs[]) => h.map(({ seconds: _, ...rest }) => rest);
        const whole = setup();
        const wholeHistory = strip(await train(whole.model, x, y, { ...whole.options, epochs: 8 }));
        expect(wholeHistory.length).toBeLessThan(8); // early stopping ended it
        expect(whole.callbacks[1].bestEpoch).toBeLessThan(3);

        const parts = setup();
        const first = await train(parts.model, x, y, { ...parts.options, epochs: 3 });
        const rest = await train(parts.model, x, y, { ...parts.options, initialEpoch: 3, epochs: 5 });
        expect(strip([...first, ...rest])).toEqual(wholeHistory);
        expect(parts.model.getWeights()).toEqual(whole.model.getWeights());
        expect(parts.callbacks.map((c) => c.state())).toEqual(whole.callbacks.map((c) => c.state()));
      });
    });
  });
});
