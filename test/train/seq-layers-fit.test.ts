/**
 * A small Conv1d network learns a sequence task through the default fit, which runs it in a worker thread (the
 * worker rebuilds every sequence layer from its config): noisy sine waves of three frequencies, random phases,
 * classified by frequency. The same seeded run on the calling thread (fitBlocking) gives the same weights, so the
 * worker trained exactly the model described; a validation accuracy well above chance shows it learned.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  Adam,
  Conv1d,
  Dense,
  GlobalAvgPool1d,
  LayerNorm,
  MaxPool1d,
  ReLU,
  Sequential,
  Tensor,
  closeTrainingWorkers,
  fit,
  fitBlocking,
  idleTrainingWorkers,
} from '../../lib/index.js';
import { batchIsHeavy, planWorkerFit } from '../../lib/train/worker/plan.js';
import { Random } from '../../lib/random.js';
import { Rng } from '../helpers/random.js';

const L = 48;
const FREQUENCIES = [2, 5, 9]; // periods per sequence

function waves(rows: number, seed: number) {
  const r = new Rng(seed);
  const x = new Float32Array(rows * L),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = r.int(3);
    const phase = r.uniform(0, 2 * Math.PI),
      amplitude = r.uniform(0.5, 2);
    for (let t = 0; t < L; t++) x[i * L + t] = amplitude * Math.sin((2 * Math.PI * FREQUENCIES[y[i]] * t) / L + phase) + 0.3 * r.normal();
  }
  return { x: new Tensor(x, [rows, 1, L]), y };
}

const model = () =>
  new Sequential([
    new Conv1d(1, 16, 7, { padding: 3, rng: new Random(1) }),
    new ReLU(),
    new MaxPool1d(2),
    new Conv1d(16, 32, 5, { dilation: 2, rng: new Random(2) }),
    new LayerNorm(16),
    new ReLU(),
    new GlobalAvgPool1d(),
    new Dense(32, 3, { rng: new Random(3) }),
  ]);

afterAll(() => closeTrainingWorkers());

describe('a Conv1d network trained by the default fit', () => {
  it('runs in a worker thread, learns the frequencies, and matches the same run on the calling thread', async () => {
    const train = waves(384, 1),
      val = waves(128, 2);
    const [a, b] = [model(), model()];
    const options = (m: Sequential) => ({
      optimizer: new Adam(m.parameters(), { lr: 0.01 }),
      epochs: 12,
      batchSize: 128,
      rng: new Random(7),
      clipNorm: 5,
      validationData: [val.x, val.y] as [Tensor, Int32Array],
    });
    // The default fit chooses a worker for this one: it can leave the thread and its batches are heavy enough.
    expect(typeof planWorkerFit(a, train.x, train.y, options(a))).toBe('object');
    expect(batchIsHeavy(a, train.x, 128)).toBe(true);
    await closeTrainingWorkers();
    const history = await fit(a, train.x, train.y, options(a));
    expect(idleTrainingWorkers()).toBe(1); // the worker that trained it, back in the pool
    const blocking = await fitBlocking(b, train.x, train.y, options(b));
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(history.map((h) => h.valLoss)).toEqual(blocking.map((h) => h.valLoss));
    expect(history.at(-1)!.valAccuracy).toBeGreaterThan(0.9);
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  });
});
