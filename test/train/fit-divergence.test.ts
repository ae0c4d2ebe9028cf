/**
 * Issue 12, item 6: fit never resolves with NaN/Inf weights. The weights are checked after every step (the loss
 * before each one was, but a last step could break them and fit resolved), so divergence is an ERR_BAD_DATA naming
 * the epoch and batch of the step that broke them; a loss that explodes (over 1e6 × the first batch's) without
 * becoming NaN gets one warning line with the likely fix.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Adam, Dense, SGD, Sequential, Tensor, fit, fitBlocking, manualSeed, type TrainingCallback } from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { gaussianBlobs } from '../helpers/blobs.js';

const FEATURES = 4;
const CLASSES = 3;
const { x, y } = gaussianBlobs(64, FEATURES, CLASSES, 11, 0.7);

function makeModel(): Sequential {
  manualSeed(1);
  return new Sequential([new Dense(FEATURES, 8, { activation: 'relu' }), new Dense(8, CLASSES)]);
}

const allFinite = (m: Sequential) => m.getWeights().every((w) => w.every(Number.isFinite));

/** Warnings the process emits (Node emits them on the next tick, so tests await `settled()` before reading). */
let warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
const settled = () => new Promise((r) => setTimeout(r, 10));
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});
const ours = () => warnings.filter((w) => (w as Error & { code?: string }).code === 'NEUROBLAS_DIVERGING');

describe.each(backends.map((b) => [b.name, b] as const))('divergence on %s', (_name, backend) => {
  it('SGD at lr 1e37: the one step that makes the weights non-finite is an error naming its epoch and batch', async () => {
    await onBackend(backend, async () => {
      // Unscaled inputs (hundreds, like raw pixels): gradients above 34, so lr 1e37 takes a weight past float32's range.
      const raw = new Tensor(
        Float32Array.from(x.data, (v) => 100 * v),
        x.shape,
      );
      for (const run of [
        (m: Sequential, o: Parameters<typeof fit>[3]) => fit(m, raw, y, { ...o, worker: true }),
        (m: Sequential, o: Parameters<typeof fit>[3]) => fit(m, raw, y, { ...o, worker: false }),
        (m: Sequential, o: Parameters<typeof fit>[3]) => fitBlocking(m, raw, y, o),
      ]) {
        const model = makeModel();
        // One batch, one epoch: the loss before the step is fine; only the weights after it show the damage.
        const err = await rejection(run(model, { optimizer: new SGD(model.parameters(), { lr: 1e37 }), batchSize: 64, epochs: 1 }));
        expect(err.code).toBe('ERR_BAD_DATA');
        expect(err.message).toMatch(
          /^fit: the weights became (NaN|Infinity|-Infinity) \(in .+\) at epoch 1, batch 1; lower the learning rate/,
        );
      }
    });
  });

  it('no batch ends with non-finite weights: divergence is caught at the step that causes it', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const ends: boolean[] = [];
      const watch: TrainingCallback = {
        onBatchEnd: () => {
          ends.push(allFinite(model));
        },
      };
      const err = await rejection(
        fitBlocking(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 1e6 }), batchSize: 8, epochs: 50, callbacks: watch }),
      );
      expect(err.code).toBe('ERR_BAD_DATA');
      expect(err.message).toMatch(/at epoch \d+, batch \d+/);
      expect(ends.length).toBeGreaterThan(0);
      expect(ends.every(Boolean)).toBe(true);
      await settled();
      expect(ours().length).toBe(1); // the loss exploded before the weights broke
    });
  });

  it('Adam at lr 1e6 gets one warning line with the fix; a sound run gets none', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      await fitBlocking(model, x, y, { optimizer: new Adam(model.parameters(), { lr: 1e6 }), batchSize: 8, epochs: 5 }).catch(() => {});
      await settled();
      expect(ours().length).toBe(1);
      expect(ours()[0].message).toMatch(/^fit: the loss grew from .+ to .+ at epoch \d+, batch \d+: training is diverging; lower the/);
      expect(ours()[0].message).not.toMatch(/\n/);

      warnings = [];
      const sound = makeModel();
      await fitBlocking(sound, x, y, { optimizer: new SGD(sound.parameters(), { lr: 0.1 }), batchSize: 8, epochs: 5 });
      await settled();
      expect(ours()).toEqual([]);
    });
  });
});
