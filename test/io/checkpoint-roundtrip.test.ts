/**
 * save → load on every backend: the rebuilt model predicts bit for bit what the saved one did, the
 * optimizer comes back with its whole state (every optimizer type), epoch/metrics/history come back as
 * given, and loading into an existing model (`expect`) fills that model or names the first difference.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  Dense,
  Dropout,
  RMSprop,
  ReLU,
  SGD,
  Sequential,
  defaultRandom,
  loadModel,
  manualSeed,
  saveModel,
  type Optimizer,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel, sameBits } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('roundtrip');
const { x, y } = blobs(96);

function expectSameState(loaded: Optimizer, saved: Optimizer): void {
  const a = loaded.state(),
    b = saved.state();
  expect(a.type).toBe(b.type);
  expect(a.hyper).toEqual(b.hyper);
  expect([a.step, a.paramSteps]).toEqual([b.step, b.paramSteps]);
  expect(Object.keys(a.buffers).sort()).toEqual(Object.keys(b.buffers).sort());
  for (const k of Object.keys(b.buffers)) expect(sameBits(a.buffers[k], b.buffers[k]), `buffer ${k}`).toBe(true);
}

describe.each(backends.map((b) => [b.name, b] as const))('checkpoints on %s', (name, backend) => {
  it('save → load gives identical predictions, architecture, optimizer state, epoch, metrics and history', async () => {
    await onBackend(backend, async () => {
      const model = makeModel();
      const optimizer = new Adam(model.parameters(), { lr: 0.01, backend });
      const history = await model.fit(x, y, { optimizer, epochs: 2, batchSize: 16 });
      const path = file(`trained-${name}.safetensors`);
      saveModel(path, model, { optimizer, epoch: 2, metrics: { valAccuracy: 0.875, loss: history[1].loss }, history });

      const loaded = loadModel(path);
      expect(loaded.model).not.toBe(model);
      expect(loaded.model.toConfig()).toEqual(model.toConfig());
      expect(sameBits(loaded.model.predict(x).data, model.predict(x).data)).toBe(true);
      // Running statistics are saved too: eval-mode outputs depend on them.
      expect(sameBits(loaded.model.namedBuffers()[0][1], model.namedBuffers()[0][1])).toBe(true);
      expect(loaded.optimizer).toBeInstanceOf(Adam);
      expect(loaded.optimizer!.backend).toBe(backend);
      expectSameState(loaded.optimizer!, optimizer);
      expect(loaded.optimizer!.params).toEqual(loaded.model.parameters());
      expect(loaded.epoch).toBe(2);
      expect(loaded.metrics).toEqual({ valAccuracy: 0.875, loss: history[1].loss });
      expect(loaded.history).toEqual(history);
      const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      expect(loaded.libraryVersion).toBe(pkg.version);
      // The conveniences do the same.
      model.save(path);
      expect(sameBits(Sequential.load(path).predict(x).data, model.predict(x).data)).toBe(true);
    });
  });

  it('every optimizer type comes back with its state, over the same parameters by name (a subset too)', async () => {
    await onBackend(backend, async () => {
      const makers: [string, (m: Sequential) => Optimizer][] = [
        ['SGD', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3, backend })],
        ['plain SGD', (m) => new SGD(m.parameters(), { lr: 0.05, backend })],
        ['AdamW', (m) => new AdamW(m.parameters(), { lr: 0.01, betas: [0.8, 0.99], amsgrad: true, backend })],
        ['RMSprop', (m) => new RMSprop(m.parameters(), { lr: 0.01, centered: true, momentum: 0.5, backend })],
        ['Adagrad', (m) => new Adagrad(m.parameters(), { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1, backend })],
        ['Adam on the last layer only', (m) => new Adam(m.layers[4].parameters().reverse(), { lr: 0.01, backend })],
      ];
      for (const [label, make] of makers) {
        const model = makeModel(3);
        const optimizer = make(model);
        await model.fit(x, y, { optimizer, epochs: 1, batchSize: 32 });
        const path = file(`opt-${name}.safetensors`);
        saveModel(path, model, { optimizer });
        const loaded = loadModel(path);
        expect(loaded.optimizer!.constructor, label).toBe(optimizer.constructor);
        expectSameState(loaded.optimizer!, optimizer);
        const names = (m: Sequential, o: Optimizer) => o.params.map((p) => m.namedParameters().find(([, t]) => t === p)![0]);
        expect(names(loaded.model, loaded.optimizer!), label).toEqual(names(model, optimizer));
      }
    });
  });

  it('a model saved without an optimizer loads with optimizer null, epoch 0, empty metrics and history', () => {
    const model = makeModel();
    const path = file(`bare-${name}.safetensors`);
    saveModel(path, model);
    const loaded = loadModel(path);
    expect([loaded.optimizer, loaded.epoch, loaded.metrics, loaded.history]).toEqual([null, 0, {}, []]);
  });

  it('loading into an existing model (expect) fills that model in place', async () => {
    await onBackend(backend, async () => {
      const trained = makeModel(1);
      await trained.fit(x, y, { optimizer: new SGD(trained.parameters(), { lr: 0.1, backend }), epochs: 1 });
      const path = file(`expect-${name}.safetensors`);
      saveModel(path, trained);
      const target = makeModel(2); // same architecture, other weights and other layer names
      expect(sameBits(target.predict(x).data, trained.predict(x).data)).toBe(false);
      const loaded = loadModel(path, { expect: target });
      expect(loaded.model).toBe(target);
      expect(sameBits(target.predict(x).data, trained.predict(x).data)).toBe(true);
    });
  });
});

describe('loading into a model of another architecture is refused, naming the first difference', () => {
  const saved = () => {
    const path = file('arch.safetensors');
    saveModel(path, makeModel());
    return path;
  };
  const layers = (m: Sequential) => m.layers;

  it('names the layer and the field that differ, and leaves the model untouched', () => {
    const path = saved();
    const wider = makeModel();
    const l = layers(wider);
    const other = new Sequential([l[0], l[1], l[2], l[3], new Dense(8, 4, { name: 'head' })]);
    const before = other.getWeights();
    expectError(
      () => loadModel(path, { expect: other }),
      'ERR_SHAPE',
      /arch\.safetensors: the saved architecture does not match .*: layer 4 \(head\): out is 3 in the file, 4 in the model/,
    );
    other.getWeights().forEach((w, i) => {
      expect(sameBits(w, before[i])).toBe(true);
    });
  });

  it('a different activation, layer type or layer count', () => {
    const path = saved();
    const m = makeModel();
    const l = layers(m);
    expectError(
      () => loadModel(path, { expect: new Sequential([new Dense(6, 16, { activation: 'tanh', name: 'first' }), l[1], l[2], l[3], l[4]]) }),
      'ERR_SHAPE',
      /layer 0 \(first\): activation is "relu" in the file, "tanh" in the model/,
    );
    expectError(
      () => loadModel(path, { expect: new Sequential([l[0], l[1], new ReLU({ name: 'r' }), l[3], l[4]]) }),
      'ERR_SHAPE',
      /layer 2 \(r\): the file has a Dropout, the model a ReLU/,
    );
    expectError(
      () => loadModel(path, { expect: new Sequential([l[0], l[1], l[2], l[3]]) }),
      'ERR_SHAPE',
      /layer 4: the file has 5 layers \(the next is a Dense\), the model 4/,
    );
    expectError(
      () => loadModel(path, { expect: new Sequential([l[0], l[1], l[2], l[3], l[4], new Dropout(0.5)]) }),
      'ERR_SHAPE',
      /layer 5 .*the file has 5 layers, the model 6/,
    );
  });
});

describe('the random generator', () => {
  it('loadModel restores it (so a resumed fit shuffles the same); restoreRandom: false and Sequential.load leave it alone', () => {
    const path = file('rng.safetensors');
    const model = makeModel(7);
    defaultRandom.normal(); // leaves a spare normal: part of the state too
    const atSave = defaultRandom.getState();
    saveModel(path, model);
    expect(defaultRandom.getState()).toEqual(atSave);
    manualSeed(99);
    defaultRandom.nextUint32();
    const elsewhere = defaultRandom.getState();
    Sequential.load(path);
    expect(defaultRandom.getState()).toEqual(elsewhere);
    loadModel(path, { restoreRandom: false });
    expect(defaultRandom.getState()).toEqual(elsewhere);
    loadModel(path);
    expect(defaultRandom.getState()).toEqual(atSave);
    expect(atSave.spare).not.toBeNull();
  });
});
