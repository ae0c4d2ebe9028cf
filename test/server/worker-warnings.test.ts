/**
 * A warning raised by the training loop in fit's worker thread (issue 12, item 6: an exploding loss) reaches the
 * caller's process exactly once, as the same warning fitBlocking emits on the calling thread; and the worker's
 * checks reject the same way (non-finite weights, an optimizer over another model's parameters).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Adam, Dense, SGD, Sequential, Tensor, fit, fitBlocking, manualSeed } from '../../lib/index.js';
import { onBackend, rejection } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { CLASSES, FEATURES, blobs, makeModel } from './fixtures.js';

const { x, y } = blobs(256);
let warnings: (Error & { code?: string })[] = [];
const onWarning = (w: Error) => warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});
const settled = () => new Promise((r) => setTimeout(r, 10));
const diverging = () => warnings.filter((w) => w.code === 'NEUROBLAS_DIVERGING').map((w) => w.message);

describe.each(backends.map((b) => [b.name, b] as const))('warnings from the worker on %s', (_name, backend) => {
  it('an exploding loss in the worker is one warning on the caller, the same as on the calling thread', async () => {
    await onBackend(backend, async () => {
      const run = async (worker: boolean) => {
        warnings = [];
        const model = makeModel(3);
        const optimizer = new Adam(model.parameters(), { lr: 1e6 });
        const o = { optimizer, epochs: 3, batchSize: 32 };
        await (worker ? fit(model, x, y, { ...o, worker: true }) : fitBlocking(model, x, y, o)).catch(() => {});
        await settled();
        return diverging();
      };
      const inWorker = await run(true);
      expect(inWorker.length).toBe(1);
      expect(inWorker).toEqual(await run(false));
    });
  });

  it('non-finite weights after the last step reject the worker fit with ERR_BAD_DATA naming the step', async () => {
    await onBackend(backend, async () => {
      manualSeed(3); // no BatchNorm here: it would scale the raw inputs' gradients back down
      const model = new Sequential([new Dense(FEATURES, 64, { activation: 'relu' }), new Dense(64, CLASSES)]);
      const raw = new Tensor(
        Float32Array.from(x.data, (v) => 100 * v),
        x.shape,
      );
      const err = await rejection(
        fit(model, raw, y, { optimizer: new SGD(model.parameters(), { lr: 1e37 }), epochs: 1, batchSize: 256, worker: true }),
      );
      expect(err.code).toBe('ERR_BAD_DATA');
      expect(err.message).toMatch(/weights became .* at epoch 1, batch 1/);
    });
  });
});
