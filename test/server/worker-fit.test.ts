/**
 * fit in a worker thread: the same run as fitSync (weights, history, optimizer and generator state, callback
 * order), callbacks on the caller's thread, abort mid-epoch leaving a consistent model, errors inside training
 * rejecting with the library's error, nothing left running afterwards, and an event loop that stays responsive.
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  EarlyStopping,
  SGD,
  StepLR,
  Sequential,
  Dense,
  Tensor,
  defaultRandom,
  fit,
  fitSync,
  manualSeed,
  type EpochLogs,
  type FitOptions,
  type TrainingCallback,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend, rejection } from '../helpers/async.js';
import { blobs, makeModel, openHandles, FEATURES } from './fixtures.js';

const { x, y } = blobs(600);

/** Everything a run leaves behind that fitSync and the worker must agree on. */
async function trainAndRecord(train: typeof fit, worker: boolean | undefined, atTrainBegin?: () => void) {
  const model = makeModel(7);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const events: string[] = [];
  const recorder: TrainingCallback = {
    onTrainBegin: () => {
      events.push('trainBegin');
      atTrainBegin?.();
    },
    onEpochBegin: (e) => {
      events.push(`epochBegin ${e}`);
    },
    onBatchEnd: (l) => {
      events.push(`batch ${l.batch}/${l.batches} ${l.loss}`);
    },
    onEpochEnd: async (l, ctx) => {
      await new Promise((r) => setTimeout(r, 1));
      events.push(`epochEnd ${l.epoch} lr ${ctx.optimizer.lr}`);
    },
    onTrainEnd: (h, ctx) => {
      events.push(`trainEnd ${h.length} steps ${ctx.optimizer.stepCount}`);
    },
  };
  const history = await train(model, x, y, {
    optimizer,
    epochs: 3,
    batchSize: 32,
    validationSplit: 0.2,
    worker,
    callbacks: [recorder, new StepLR(optimizer, { stepSize: 1, gamma: 0.5 })],
  });
  return {
    weights: model.getWeights(),
    history: history.map(({ seconds: _, ...rest }) => rest),
    optimizer: optimizer.state(),
    random: defaultRandom.getState(),
    events,
  };
}

describe.each(backends.map((b) => [b.name, b] as const))('fit in a worker on %s', (_name, backend) => {
  it("gives exactly fitSync's run: weights, history, optimizer state, generator state and callback order", async () => {
    await onBackend(backend, async () => {
      const before = openHandles();
      const reference = await trainAndRecord(fitSync, undefined);
      let whileTraining: string[] = [];
      const remote = await trainAndRecord(fit, true, () => {
        whileTraining = openHandles();
      });
      expect(whileTraining, 'the worker while it trains').toContain('MessagePort');
      expect(remote.events).toEqual(reference.events);
      expect(remote.history).toEqual(reference.history);
      expect(remote.weights).toEqual(reference.weights);
      expect(remote.optimizer).toEqual(reference.optimizer);
      expect(remote.random).toEqual(reference.random);
      expect(reference.history.map((l) => l.lr)).toEqual([0.01, 0.005, 0.0025]); // the schedule reached the worker
      expect(openHandles()).toEqual(before);
    });
  });

  it("at each epoch end the caller's optimizer and generator are where fitSync's are (a checkpoint saved there is exact)", async () => {
    await onBackend(backend, async () => {
      const record = async (train: typeof fit, worker: boolean | undefined) => {
        const model = makeModel(9);
        const optimizer = new Adam(model.parameters(), { lr: 0.01 });
        const seen: unknown[] = [];
        await train(model, x, y, {
          optimizer,
          epochs: 3,
          batchSize: 64,
          worker,
          callbacks: {
            onEpochEnd: (l, ctx) => {
              seen.push({ epoch: l.epoch, optimizer: ctx.optimizer.state(), random: defaultRandom.getState() });
            },
          },
        });
        return seen;
      };
      manualSeed(3);
      const sync = await record(fitSync, undefined);
      manualSeed(3);
      const remote = await record(fit, true);
      expect(remote).toEqual(sync);
    });
  });

  it("EarlyStopping on the caller's thread stops the worker and restores the best weights into the shared arrays", async () => {
    await onBackend(backend, async () => {
      const wrong = Int32Array.from(y, (c) => (c + 1) % 4); // the better it fits, the worse valLoss gets
      const run = async (train: typeof fit, worker?: boolean) => {
        const model = makeModel(3);
        const stopper = new EarlyStopping({ patience: 1 });
        const h = await train(model, x, y, {
          optimizer: new SGD(model.parameters(), { lr: 0.05 }),
          epochs: 40,
          batchSize: 64,
          validationData: [x, wrong],
          callbacks: stopper,
          worker,
        });
        return { epochs: h.length, best: stopper.bestEpoch, weights: model.getWeights() };
      };
      const reference = await run(fitSync);
      const remote = await run(fit, true);
      expect(remote.epochs).toBeLessThan(40);
      expect(remote).toEqual(reference);
    });
  });

  it('abort mid-epoch: rejects with AbortError, the optimizer has taken exactly the reported steps, the model trains on', async () => {
    await onBackend(backend, async () => {
      const before = openHandles();
      const model = makeModel(5);
      const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const controller = new AbortController();
      let batches = 0;
      // 600 rows in batches of 4: 150 batches an epoch, so the abort lands inside one.
      const err = await rejection(
        fit(model, x, y, {
          optimizer,
          epochs: 1000,
          batchSize: 4,
          signal: controller.signal,
          worker: true,
          callbacks: {
            onBatchEnd: (_l) => {
              batches++;
              if (batches === 20) setTimeout(() => controller.abort(new Error('client went away')), 0);
            },
          },
        }),
      );
      expect(err.name).toBe('AbortError');
      expect(err.code).toBe('ERR_ABORTED');
      expect(err.message).toMatch(/epoch \d+, batch \d+\): training aborted \(client went away\)/);
      expect(err.cause).toBe(controller.signal.reason);
      const [, epoch, batch] = /epoch (\d+), batch (\d+)/.exec(err.message)!.map(Number);
      expect((epoch - 1) * 150 + batch).toBeGreaterThan(20);
      // Every finished batch was reported, and the optimizer state that came back counts exactly those steps.
      expect(optimizer.stepCount).toBe(batches);
      expect((epoch - 1) * 150 + batch - 1).toBe(batches);
      for (const w of model.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
      expect(model.evaluate(x, y).accuracy!).toBeGreaterThan(0.5);
      expect(openHandles()).toEqual(before);

      const h = await fit(model, x, y, { optimizer, epochs: 1, batchSize: 32, worker: true });
      expect(h.length).toBe(1);
      expect(optimizer.stepCount).toBe(batches + 19);
      // Already aborted: refused before any worker starts.
      const e2 = await rejection(fit(model, x, y, { optimizer, signal: controller.signal, worker: true }));
      expect(e2.message).toMatch(/^fit: training aborted/);
      expect(openHandles()).toEqual(before);
    });
  });

  it(
    "errors inside training reject with the library's error (NaN loss, bad labels, a throwing callback); " + 'nothing keeps running',
    async () => {
      await onBackend(backend, async () => {
        const before = openHandles();
        // Regression on unscaled inputs with a huge learning rate: the loss overflows after a few batches.
        manualSeed(2);
        const regression = new Sequential([new Dense(FEATURES, 1)]);
        const big = new Tensor(
          Float32Array.from(x.data, (v) => 300 * v),
          x.shape,
        );
        let err = await rejection(
          fit(regression, big, Float32Array.from(y), {
            optimizer: new SGD(regression.parameters(), { lr: 10 }),
            loss: 'mse',
            epochs: 50,
            batchSize: 10,
            worker: true,
          }),
        );
        expect(err.code).toBe('ERR_BAD_DATA');
        expect(err.message).toMatch(/loss became (NaN|Infinity|-Infinity) at epoch \d+, batch \d+/);

        const model = makeModel(9);
        const optimizer = new SGD(model.parameters(), { lr: 0.1 });
        const weights = model.getWeights();
        const badLabels = y.slice();
        badLabels[77] = 9;
        err = await rejection(fit(model, x, badLabels, { optimizer, worker: true }));
        expect(err.code).toBe('ERR_LABEL');
        expect(err.message).toMatch(/labels\[77\] = 9/);
        expect(model.getWeights()).toEqual(weights);
        expect(optimizer.stepCount).toBe(0);

        const boom = new Error('callback bug');
        const fromEpoch = await fit(model, x, y, {
          optimizer,
          epochs: 5,
          worker: true,
          callbacks: {
            onEpochEnd: () => {
              throw boom;
            },
          },
        }).catch((e) => e);
        expect(fromEpoch).toBe(boom);
        const stepsAfterEpoch = optimizer.stepCount;
        expect(stepsAfterEpoch).toBe(19); // one epoch of 600/32 batches, then the throw stopped it
        const fromBatch = await fit(model, x, y, {
          optimizer,
          epochs: 5,
          worker: true,
          callbacks: {
            onBatchEnd: (l) => {
              if (l.batch === 2) throw boom;
            },
          },
        }).catch((e) => e);
        expect(fromBatch).toBe(boom);
        expect(optimizer.stepCount).toBeGreaterThan(stepsAfterEpoch);
        for (const w of model.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
        expect(openHandles()).toEqual(before);
      });
    },
  );

  it('refuses worker: true for what cannot leave the thread, and a second fit of a model already training', async () => {
    await onBackend(backend, async () => {
      const model = makeModel(4);
      const optimizer = new SGD(model.parameters(), { lr: 0.1 });
      const custom = (out: Tensor) => out; // a loss function of the caller's own
      let err = await rejection(fit(model, x, y, { optimizer, loss: custom as unknown as FitOptions['loss'], worker: true }));
      expect(err.code).toBe('ERR_INVALID_ARG');
      expect(err.message).toMatch(/custom loss function/);
      err = await rejection(fit(model, x, y, { optimizer, worker: 'yes' as unknown as boolean }));
      expect(err.message).toMatch(/worker must be true or false/);

      const first = fit(model, x, y, { optimizer, epochs: 2, worker: true });
      err = await rejection(fit(model, x, y, { optimizer, worker: true }));
      expect(err.message).toMatch(/already being trained/);
      const h: EpochLogs[] = await first;
      expect(h.length).toBe(2);
    });
  });

  it('keeps the event loop responsive: timer lag stays small while fitSync on the same work blocks it', async () => {
    await onBackend(backend, async () => {
      const big = blobs(backend.name === 'js' ? 3000 : 12000, 5);
      const lagDuring = async (train: () => Promise<unknown>) => {
        const start = performance.now();
        let worst = 0,
          last = start,
          ticks = 0;
        const timer = setInterval(() => {
          const now = performance.now();
          worst = Math.max(worst, now - last);
          last = now;
          ticks++;
        }, 2);
        try {
          await train();
        } finally {
          clearInterval(timer);
        }
        const end = performance.now();
        return { worst: Math.max(worst, end - last), ticks, duration: end - start };
      };
      const run = (train: typeof fit, worker?: boolean) => () => {
        const model = makeModel(1, 256);
        return train(model, big.x, big.y, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), epochs: 2, batchSize: 64, worker });
      };
      const blocking = await lagDuring(run(fitSync));
      const remote = await lagDuring(run(fit, true));
      // The whole synchronous run is one blocked stretch; the worker's run leaves the timer ticking. (The bounds are
      // relative to the blocked stretch, not absolute, because test files run in parallel on a 2-core machine and
      // its speed varies; bench/eventloop.ts measures latencies.)
      expect(blocking.worst).toBeGreaterThan(0.8 * blocking.duration);
      expect(blocking.ticks).toBeLessThan(5);
      expect(remote.ticks).toBeGreaterThan(20);
      expect(remote.worst).toBeLessThan(blocking.worst / 3);
    });
  });

  it("fit on the caller's thread checks a large x in stretches: a NaN deep in it is named, and timers ran meanwhile", async () => {
    await onBackend(backend, async () => {
      const rows = 200_000; // 3.2M values: several stretches of checkFiniteYielding
      const xs = new Float32Array(rows * FEATURES);
      const bad = 190_000;
      xs[bad * FEATURES + 3] = NaN;
      const labels = new Int32Array(rows);
      const model = makeModel(3);
      let ticks = 0;
      const ticker = setInterval(() => {
        ticks++;
      }, 0);
      const err = await rejection(
        fit(model, new Tensor(xs, [rows, FEATURES]), labels, { optimizer: new SGD(model.parameters(), { lr: 0.1 }), worker: false }),
      );
      clearInterval(ticker);
      expect(err.code).toBe('ERR_BAD_DATA');
      expect(err.message).toMatch(/fit: x contains NaN at sample 190000, feature 3/);
      expect(ticks, 'the event loop ran between stretches').toBeGreaterThan(0);
    });
  });
});
