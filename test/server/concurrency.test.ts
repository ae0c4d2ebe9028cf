/**
 * Several trainings in one process: two models training at once (each gives the run it gives alone), a serving
 * path predicting with a third model meanwhile, the addon training in four worker threads at once, and a
 * training worker aborted mid-training and torn down 20 times without breaking the addon or leaking.
 */
import { describe, expect, it } from 'vitest';
import {
  Random,
  SGD,
  closeTrainingWorkers,
  fit,
  fitSync,
  idleTrainingWorkers,
  predict,
  type Tensor,
  type TrainingCallback,
} from '../../lib/index.js';
import { backends, backendNames, nativeOrStub } from '../helpers/backends.js';
import { onBackend, rejection } from '../helpers/async.js';
import { blobs, makeModel, openHandles } from './fixtures.js';

const { x, y } = blobs(800);

/** Trains a fresh model `seed` with its own shuffling generator (so concurrent runs draw nothing from a shared one). */
async function train(seed: number, how: 'worker' | 'sync', callbacks?: TrainingCallback): Promise<Float32Array[]> {
  const model = makeModel(seed);
  const options = {
    optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
    epochs: 3,
    batchSize: 32,
    rng: new Random(100 + seed),
  };
  if (how === 'worker') await fit(model, x, y, { ...options, worker: true, callbacks });
  else await fitSync(model, x, y, options);
  return model.getWeights();
}

describe.each(backends.map((b) => [b.name, b] as const))('trainings at once on %s', (_name, backend) => {
  it('two models train at once, each to exactly its weights trained alone, while a third model serves predictions', async () => {
    await onBackend(backend, async () => {
      const aloneA = await train(1, 'sync');
      const aloneB = await train(2, 'sync');
      const server = makeModel(3);
      const queries: Tensor = blobs(50, 9).x;
      // The same batch size as below: OpenBLAS may round differently for other row counts.
      const expected = predict(server, queries, { batchSize: 16 }).data;

      let served = 0,
        wrong = 0;
      const serving = setInterval(() => {
        const out = server.predict(queries, { batchSize: 16 }).data; // batched inference on the caller's thread
        served++;
        if (!out.every((v, i) => v === expected[i])) wrong++;
      }, 5);
      // Each epoch of each training waits (on this thread) until two more predictions were served: serving is
      // certain to interleave with training however fast a warm worker trains (callbacks do not change the run).
      const interleave: TrainingCallback = {
        onEpochBegin: async () => {
          const target = served + 2;
          while (served < target) await new Promise((r) => setTimeout(r, 2));
        },
      };
      try {
        const [a, b] = await Promise.all([train(1, 'worker', interleave), train(2, 'worker', interleave)]);
        expect(a).toEqual(aloneA);
        expect(b).toEqual(aloneB);
      } finally {
        clearInterval(serving);
      }
      expect(served).toBeGreaterThan(5);
      expect(wrong).toBe(0);
    });
  });
});

describe.skipIf(!backendNames.includes('native'))('the addon in training workers', () => {
  const native = nativeOrStub();

  it('trains in 4 worker threads at once, each to its single-threaded result', async () => {
    await onBackend(native, async () => {
      const seeds = [11, 12, 13, 14];
      const alone: Float32Array[][] = [];
      for (const s of seeds) alone.push(await train(s, 'sync'));
      const together = await Promise.all(seeds.map((s) => train(s, 'worker')));
      together.forEach((w, i) => {
        expect(w, `seed ${seeds[i]}`).toEqual(alone[i]);
      });
    });
  });

  it('a training worker aborted mid-training and torn down 20 times: no crash, no leak, the next fit is exact', async () => {
    await onBackend(native, async () => {
      await closeTrainingWorkers();
      const before = openHandles();
      const model = makeModel(21);
      const optimizer = new SGD(model.parameters(), { lr: 0.01 });
      let rssAfterFirst = 0;
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        const err = await rejection(
          fit(model, x, y, {
            optimizer,
            epochs: 1000,
            batchSize: 8,
            signal: controller.signal,
            worker: true,
            callbacks: { onBatchEnd: () => controller.abort() },
          }),
        );
        expect(err.code, `round ${i}`).toBe('ERR_ABORTED');
        expect(idleTrainingWorkers(), 'an aborted fit keeps its worker for the next one').toBe(1);
        await closeTrainingWorkers(); // so that the next round creates a worker again
        expect(idleTrainingWorkers()).toBe(0);
        if (i === 0) rssAfterFirst = process.memoryUsage().rss;
      }
      expect(openHandles()).toEqual(before);
      // Each worker is a whole V8 isolate plus the model and data views: 20 leaked ones would be hundreds of MB.
      expect(process.memoryUsage().rss - rssAfterFirst).toBeLessThan(150 * 2 ** 20);
      expect(await train(22, 'worker')).toEqual(await train(22, 'sync'));
    });
  });
});
