/**
 * The training-worker pool (lib/train/worker/pool.ts): a fit's worker is kept idle for the next fit, reused, never
 * keeps the process alive, and closeTrainingWorkers() ends it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SGD, closeTrainingWorkers, fit, fitSync, idleTrainingWorkers } from '../../lib/index.js';
import { repoRoot } from '../helpers/addon.js';
import { backends } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel, openHandles } from './fixtures.js';

const { x, y } = blobs(300);

async function trainOnce(seed: number, atTrainBegin?: () => void): Promise<Float32Array[]> {
  const model = makeModel(seed);
  await fit(model, x, y, {
    optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }),
    epochs: 2,
    batchSize: 32,
    worker: true,
    callbacks: { onTrainBegin: atTrainBegin },
  });
  return model.getWeights();
}

describe.each(backends.map((b) => [b.name, b] as const))('training-worker pool on %s', (_name, backend) => {
  it("keeps a fit's worker idle and unref'd, gives it to the next fit, and closeTrainingWorkers ends it", async () => {
    await onBackend(backend, async () => {
      await closeTrainingWorkers();
      const before = openHandles();
      expect(idleTrainingWorkers()).toBe(0);
      await trainOnce(1);
      expect(idleTrainingWorkers(), 'after the first fit').toBe(1);
      expect(openHandles(), 'an idle worker holds no handle open').toEqual(before);
      let idleWhileTraining = -1;
      const reused = await trainOnce(2, () => {
        idleWhileTraining = idleTrainingWorkers();
      });
      expect(idleWhileTraining, 'the second fit took the idle worker').toBe(0);
      expect(idleTrainingWorkers()).toBe(1);
      // A reused worker carries nothing from its previous fit: the run is exactly fitSync's.
      const model = makeModel(2);
      await fitSync(model, x, y, { optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), epochs: 2, batchSize: 32 });
      expect(reused).toEqual(model.getWeights());
      await closeTrainingWorkers();
      expect(idleTrainingWorkers()).toBe(0);
      expect(openHandles()).toEqual(before);
    });
  });
});

describe('a process that trained with fit', () => {
  it('exits by itself with an idle worker in the pool', async () => {
    const script = path.join(repoRoot, 'test', 'server', 'fit-and-exit.ts');
    const started = performance.now();
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    expect(JSON.parse(out)).toEqual({ epochs: 2, idle: 1 });
    expect(performance.now() - started).toBeLessThan(60_000);
  }, 70_000);
});
