/**
 * The one door between layers and the worker: a layer's state is what it registered (registerParameter,
 * registerBuffer), and fit's worker shares exactly that, through namedState(), moving what is not on shared memory
 * there in place. What the worker cannot rebuild trains on the caller's thread (and `worker: true` says why): a
 * layer type registered on the caller's thread only, state a layer lists without registering it, a layer drawing
 * from a generator of its own.
 */
import { describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  Layer,
  Random,
  SGD,
  Sequential,
  type Tensor,
  checkConfigKeys,
  fit,
  fitBlocking,
  fitSync,
  manualSeed,
  registerLayer,
  type LayerConfig,
  type Shape,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend, rejection } from '../helpers/async.js';
import { blobs, CLASSES, FEATURES } from './fixtures.js';

const { x, y } = blobs(400);

/** A layer type the library does not know (registered here, on this thread only): y = x. */
class Pass extends Layer {
  readonly type = 'TestPass';
  constructor(options: { name?: string } = {}) {
    super('pass', options.name);
  }
  override apply(x: Tensor): Tensor {
    return x;
  }
  outputShape(s: Shape): number[] {
    return [...s];
  }
  override getConfig(): LayerConfig {
    return { type: 'TestPass', name: this.name };
  }
}
registerLayer('TestPass', (c) => {
  checkConfigKeys(c, []);
  return new Pass({ name: c.name });
});

/** A Dense (its config says so) that lists a buffer it did not register: nothing can replace that array in place. */
class DenseWithHiddenState extends Dense {
  private readonly hidden = new Float32Array(1);
  override namedBuffers(): [string, Float32Array][] {
    return [...super.namedBuffers(), ['hidden', this.hidden]];
  }
}

const model = (seed: number, middle: Layer) => {
  manualSeed(seed);
  return new Sequential([new Dense(FEATURES, 32, { activation: 'relu' }), middle, new Dense(32, CLASSES)]);
};
const sgd = (m: Sequential) => ({ optimizer: new SGD(m.parameters(), { lr: 0.05 }), epochs: 2, batchSize: 40 });

describe.each(backends.map((b) => [b.name, b] as const))('worker state on %s', (_name, backend) => {
  it("moves state that is not on shared memory there at fit start, in place: the caller's tensors see the updates", async () => {
    await onBackend(backend, async () => {
      const reference = model(4, new BatchNorm1d(32));
      await fitBlocking(reference, x, y, sgd(reference));

      const m = model(4, new BatchNorm1d(32));
      const bn = m.layers[1] as BatchNorm1d;
      const weight = m.parameters()[0];
      // Ordinary arrays, as a caller might put there, for a parameter and a buffer.
      weight.data = Float32Array.from(weight.data);
      bn.runningMean.data = Float32Array.from(bn.runningMean.data);
      await fit(m, x, y, { ...sgd(m), worker: true });
      expect(m.parameters()[0]).toBe(weight);
      expect(weight.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(bn.runningMean.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(bn.running.mean).toBe(bn.runningMean.data);
      expect(m.getWeights()).toEqual(reference.getWeights()); // trained in the worker, seen here: fitBlocking's run
      expect(m.namedState().map(([n]) => n)).toEqual(m.namedWeights().map(([n]) => n));
    });
  });

  it("a layer type of this thread, state that is not registered, a generator of a layer's own: the caller's thread", async () => {
    await onBackend(backend, async () => {
      const custom = model(5, new Pass());
      let err = await rejection(fit(custom, x, y, { ...sgd(custom), worker: true }));
      expect(err.code).toBe('ERR_INVALID_ARG');
      expect(err.message).toMatch(/cannot run in a worker: layer type "TestPass" was registered on this thread/);
      const reference = model(5, new Pass());
      // Batches heavy enough that automatic mode would pick a worker (400 rows × 676 parameters > 2^18): it cannot.
      await fitBlocking(reference, x, y, { ...sgd(reference), batchSize: 400, rng: new Random(9) });
      await fit(custom, x, y, { ...sgd(custom), batchSize: 400, rng: new Random(9) });
      expect(custom.getWeights()).toEqual(reference.getWeights());

      const hidden = model(6, new DenseWithHiddenState(32, 32));
      err = await rejection(fit(hidden, x, y, { ...sgd(hidden), worker: true }));
      expect(err.message).toMatch(/cannot run in a worker: 1\.hidden of sequential_\d+ is not registered state/);

      const rng = new Random(7);
      const dropout = new Dropout(0.2, { rng });
      expect(dropout.generators()).toEqual([rng]);
      const own = model(7, dropout);
      expect(own.generators()).toEqual([rng]);
      err = await rejection(fit(own, x, y, { ...sgd(own), worker: true }));
      expect(err.message).toMatch(new RegExp(`${dropout.name} draws from its own generator`));
    });
  });
});

describe('fitBlocking', () => {
  it('is what fitSync was (fitSync stays as a deprecated alias), as a function and as a model method', async () => {
    expect(fitSync).toBe(fitBlocking);
    const m = model(8, new Pass());
    expect(m.fitSync).toBe(m.fitBlocking);
    const history = await m.fitBlocking(x, y, sgd(m));
    expect(history.map((h) => h.epoch)).toEqual([1, 2]);
  });
});
