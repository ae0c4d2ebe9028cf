/**
 * Resuming: 2 epochs, save, then — as a fresh process would — a model and optimizer rebuilt from the file
 * alone, 2 more epochs: the loss curve and the final weights must be those of 4 uninterrupted epochs,
 * bit for bit (same backend, same kernels, same order of operations). The shuffle order and the dropout
 * masks come from the library's generator, so its state travels in the file too; the two control runs
 * show that without it, or without the optimizer state, the curve does change (the check can fail).
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  defaultRandom,
  fit,
  loadModel,
  manualSeed,
  saveModel,
  type Backend,
  type EpochLogs,
  type Optimizer,
  type Sequential,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel, sameBits } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('resume');
const { x, y } = blobs(120);
const FIT = { epochs: 2, batchSize: 16 };

const curve = (history: EpochLogs[]) => history.map((h) => [h.loss, h.accuracy]);

async function uninterrupted(backend: Backend): Promise<{ history: EpochLogs[]; weights: Float32Array[] }> {
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.01, backend });
  const history = await fit(model, x, y, { ...FIT, optimizer, epochs: 4 });
  return { history, weights: model.getWeights() };
}

/** Two epochs, then a save; returns the first half's history. */
async function firstHalf(backend: Backend, path: string): Promise<EpochLogs[]> {
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.01, backend });
  const history = await fit(model, x, y, { ...FIT, optimizer });
  saveModel(path, model, { optimizer, epoch: 2, history });
  return history;
}

/** What a fresh process would do: forget everything, load, train on. */
async function secondHalf(path: string, options: { restoreRandom?: boolean; freshOptimizer?: (m: Sequential) => Optimizer } = {}) {
  manualSeed(2024); // another program state entirely
  defaultRandom.nextUint32();
  const loaded = loadModel(path, { restoreRandom: options.restoreRandom });
  const optimizer = options.freshOptimizer ? options.freshOptimizer(loaded.model) : loaded.optimizer!;
  const history = await fit(loaded.model, x, y, { ...FIT, optimizer });
  return { loaded, history, weights: loaded.model.getWeights() };
}

describe.each(backends.map((b) => [b.name, b] as const))('resume after load on %s', (name, backend) => {
  it('2 epochs + save + load + 2 epochs continue the loss curve of 4 uninterrupted epochs exactly', async () => {
    await onBackend(backend, async () => {
      const whole = await uninterrupted(backend);
      const path = file(`half-${name}.safetensors`);
      const first = await firstHalf(backend, path);
      const resumed = await secondHalf(path);
      expect(resumed.loaded.epoch).toBe(2);
      expect(resumed.loaded.history).toEqual(first);
      expect(curve([...first, ...resumed.history])).toEqual(curve(whole.history));
      resumed.weights.forEach((w, i) => {
        expect(sameBits(w, whole.weights[i]), `weight ${i}`).toBe(true);
      });
      expect(resumed.loaded.optimizer!.stepCount).toBe(2 * 8 * 2); // 8 batches an epoch, 4 epochs
    });
  });

  it('controls: without the generator state, or with a fresh optimizer, the curve differs', async () => {
    await onBackend(backend, async () => {
      const whole = curve((await uninterrupted(backend)).history).slice(2);
      const path = file(`control-${name}.safetensors`);
      await firstHalf(backend, path);
      const noRandom = await secondHalf(path, { restoreRandom: false });
      expect(curve(noRandom.history)).not.toEqual(whole);
      const freshAdam = await secondHalf(path, { freshOptimizer: (m) => new Adam(m.parameters(), { lr: 0.01, backend }) });
      expect(curve(freshAdam.history)).not.toEqual(whole);
    });
  });
});
