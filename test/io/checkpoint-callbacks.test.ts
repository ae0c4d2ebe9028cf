/**
 * Callback states in a checkpoint: where they go in the file (metadata "callbacks", tensors "callbacks.<i>.…"
 * apart from the model's names, all under the checksum), what loadModel gives back, and what it refuses:
 * restoreCallbacks with the wrong count, order or settings (ERR_INVALID_ARG naming the file and the callback,
 * nothing changed), damaged callback entries (ERR_IO), unsavable callbacks at save time. A checkpoint written
 * before callback states existed (a file saved by neuroblas 0.1.0, kept in fixtures/) still loads and resumes.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  CosineAnnealingLR,
  EarlyStopping,
  ReduceLROnPlateau,
  StepLR,
  decodeSafetensors,
  encodeSafetensors,
  fitSync,
  loadModel,
  saveModel,
  type Backend,
  type F32Tensor,
  type Optimizer,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { onBackend } from '../helpers/async.js';
import { blobs, makeModel } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('callbacks');
const { x, y } = blobs(48);
const val = blobs(24, 9);
/** Written by neuroblas 0.1.0 (before callback states): makeModel(), Adam lr 0.01, 2 epochs on blobs(120), no callbacks. */
const OLD_FILE = fileURLToPath(new URL('./fixtures/saved-by-0.1.0.safetensors', import.meta.url));

const makeCallbacks = (optimizer: Optimizer): [CosineAnnealingLR, EarlyStopping] => [
  new CosineAnnealingLR(optimizer, { tMax: 3 }),
  new EarlyStopping({ patience: 5 }),
];

/** 3 epochs with a cosine schedule and early stopping (its best epoch before the last, so both weight sets are kept), saved. */
async function savedWithCallbacks(backend: Backend, path: string) {
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.05, backend });
  const callbacks = makeCallbacks(optimizer);
  // Validation labels shifted by one class: valLoss is best at epoch 1, so the end of the fit restores its weights.
  const wrong = Int32Array.from(val.y, (c) => (c + 1) % 3);
  const history = await fitSync(model, x, y, { optimizer, epochs: 3, batchSize: 16, validationData: [val.x, wrong], callbacks });
  saveModel(path, model, { optimizer, epoch: 3, history, callbacks });
  return { model, optimizer, callbacks };
}

/** A copy of `source` whose content was changed and re-encoded with a valid checksum, as another writer would. */
function edited(
  source: string,
  name: string,
  change: (tensors: Record<string, F32Tensor>, metadata: Record<string, string>) => void,
): string {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(source)), source);
  const copy = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
  change(copy, metadata);
  metadata[CHECKSUM_KEY] = checkpointChecksum(copy, metadata);
  const p = file(name);
  fs.writeFileSync(p, encodeSafetensors(copy, metadata));
  return p;
}

describe.each(backends.map((b) => [b.name, b] as const))('callback states in a checkpoint on %s', (name, backend) => {
  it('are stored as metadata JSON and "callbacks.<i>.…" tensors, and loadModel gives them back as saved', async () => {
    await onBackend(backend, async () => {
      const path = file(`saved-${name}.safetensors`);
      const saved = await savedWithCallbacks(backend, path);
      const es = saved.callbacks[1].state();
      expect(es.bestEpoch).toBe(1);
      expect(es.bestWeights).not.toBeNull();
      expect(es.lastWeights).not.toBeNull(); // the fit ended by restoring epoch 1's weights

      const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(path)), path);
      const records = JSON.parse(metadata.callbacks) as { type: string }[];
      expect(records.map((r) => r.type)).toEqual(['CosineAnnealingLR', 'EarlyStopping']);
      expect(records[0]).toEqual(saved.callbacks[0].state()); // plain JSON as it is
      const callbackTensors = Object.keys(tensors).filter((n) => n.startsWith('callbacks.'));
      const weightCount = saved.model.getWeights().length;
      expect(callbackTensors.sort()).toEqual(
        [
          ...Array.from({ length: weightCount }, (_, i) => `callbacks.1.bestWeights.${i}`),
          ...Array.from({ length: weightCount }, (_, i) => `callbacks.1.lastWeights.${i}`),
        ].sort(),
      );
      expect((records[1] as unknown as { bestWeights: unknown[] }).bestWeights[0]).toEqual({ $tensor: 'callbacks.1.bestWeights.0' });

      const checkpoint = loadModel(path);
      expect(checkpoint.callbackStates).toEqual(saved.callbacks.map((c) => c.state()));
      // The model's own names are untouched: the model loads with exactly its weights.
      expect(checkpoint.model.getWeights()).toEqual(saved.model.getWeights());

      const fresh = makeCallbacks(checkpoint.optimizer!);
      checkpoint.restoreCallbacks(fresh);
      expect(fresh.map((c) => c.state())).toEqual(saved.callbacks.map((c) => c.state()));
      expect(fresh[0].baseLr).toBe(0.05); // not the loaded optimizer's (annealed) lr
      expect(checkpoint.optimizer!.lr).toBe(saved.optimizer.lr);
    });
  });
});

describe('restoring callback states', () => {
  const path = file('restore.safetensors');
  const ready = savedWithCallbacks(backends[0], path);

  /** The callbacks' states before and after `call`, which must throw ERR_INVALID_ARG naming the file and `message`. */
  function refusedUnchanged(callbacks: { state(): object }[], call: () => void, message: RegExp): void {
    const before = callbacks.map((c) => c.state());
    const err = expectError(call, 'ERR_INVALID_ARG', message);
    expect(err.message.startsWith(`${path}: `), err.message).toBe(true);
    expect(callbacks.map((c) => c.state())).toEqual(before);
  }

  it('a count mismatch names the file and the saved callbacks', async () => {
    await ready;
    const checkpoint = loadModel(path);
    const opt = checkpoint.optimizer!;
    refusedUnchanged(
      [],
      () => checkpoint.restoreCallbacks([new CosineAnnealingLR(opt, { tMax: 3 })]),
      /holds 2 callback states \(CosineAnnealingLR, EarlyStopping\), got 1 callback \(CosineAnnealingLR\)/,
    );
    refusedUnchanged([], () => checkpoint.restoreCallbacks([]), /holds 2 callback states .*got 0 callbacks$/);
  });

  it('a type mismatch (another order, another schedule) names the callback; nothing changes', async () => {
    await ready;
    const checkpoint = loadModel(path);
    const opt = checkpoint.optimizer!;
    const swapped = [new EarlyStopping({ patience: 5 }), new CosineAnnealingLR(opt, { tMax: 3 })];
    refusedUnchanged(
      swapped,
      () => checkpoint.restoreCallbacks(swapped),
      /callback 0 is EarlyStopping, but the checkpoint saved CosineAnnealingLR there \(saved, in order: CosineAnnealingLR, EarlyStopping\)/,
    );
    const other = [new StepLR(opt, { stepSize: 2 }), new EarlyStopping({ patience: 5 })];
    refusedUnchanged(
      other,
      () => checkpoint.restoreCallbacks(other),
      /callback 0 is StepLR, but the checkpoint saved CosineAnnealingLR there/,
    );
    const plain = [{ onEpochEnd() {} }, new EarlyStopping({ patience: 5 })];
    refusedUnchanged([], () => checkpoint.restoreCallbacks(plain as never), /callback 0 \(an object\) has no state\(\) and loadState\(\)/);
  });

  it('a callback made with other settings refuses its state, and the ones before it are put back as they were', async () => {
    await ready;
    const checkpoint = loadModel(path);
    const callbacks: [CosineAnnealingLR, EarlyStopping] = [
      new CosineAnnealingLR(checkpoint.optimizer!, { tMax: 3 }),
      new EarlyStopping({ patience: 4 }),
    ];
    refusedUnchanged(
      callbacks,
      () => checkpoint.restoreCallbacks(callbacks),
      new RegExp(
        String.raw`restoreCallbacks: callback 1 \(EarlyStopping\): EarlyStopping\.loadState: ` +
          'the state was saved with patience 5, this one has patience 4',
      ),
    );
    expect(callbacks[0].epoch).toBe(0);
  });

  it('damaged callback entries are ERR_IO naming the file', async () => {
    await ready;
    const refused = (p: string, message: RegExp) => {
      const err = expectError(() => loadModel(p), 'ERR_IO', message);
      expect(err.message.startsWith(`${p}: `), err.message).toBe(true);
    };
    refused(
      edited(path, 'not-array.safetensors', (_t, m) => {
        m.callbacks = '{}';
      }),
      /metadata "callbacks" is not an array/,
    );
    refused(
      edited(path, 'bad-json.safetensors', (_t, m) => {
        m.callbacks = '[{';
      }),
      /metadata "callbacks" is not valid JSON/,
    );
    refused(
      edited(path, 'no-type.safetensors', (_t, m) => {
        m.callbacks = '[{"epoch":1}]';
      }),
      /callback 0's saved state is not an object with a "type"/,
    );
    refused(
      edited(path, 'lost-tensor.safetensors', (t) => {
        delete t['callbacks.1.bestWeights.0'];
      }),
      /callback 1's state refers to tensor "callbacks.1.bestWeights.0", which the file does not have/,
    );
    refused(
      edited(path, 'stray-tensor.safetensors', (t) => {
        t['callbacks.1.extra'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
      }),
      /tensor "callbacks.1.extra" belongs to no saved callback state/,
    );
    refused(
      edited(path, 'no-metadata.safetensors', (_t, m) => {
        delete m.callbacks;
      }),
      /callback tensors \(callbacks\.1\..*\) without "callbacks" metadata/,
    );
    refused(
      edited(path, 'other-entry.safetensors', (_t, m) => {
        m.callbacks = m.callbacks.replace('"callbacks.1.bestWeights.0"', '"callbacks.0.bestWeights.0"');
      }),
      /callback 1's state refers to tensor "callbacks.0.bestWeights.0"/,
    );
  });

  it('the checksum covers the callback states: a flipped bit in their JSON or their tensors is refused', async () => {
    await ready;
    const bytes = new Uint8Array(fs.readFileSync(path));
    const { tensors, metadata } = decodeSafetensors(bytes, path);
    // A change the format itself cannot see: the same length, the same shapes, valid JSON.
    const state = metadata.callbacks.replace('"wait":2', '"wait":3');
    expect(state).not.toBe(metadata.callbacks);
    const jsonEdit = file('flip-json.safetensors');
    fs.writeFileSync(jsonEdit, encodeSafetensors(tensors, { ...metadata, callbacks: state }));
    expectError(() => loadModel(jsonEdit), 'ERR_IO', /does not match its checksum/);
    const tensorEdit = file('flip-tensor.safetensors');
    const flipped = {
      ...tensors,
      'callbacks.1.lastWeights.0': {
        ...tensors['callbacks.1.lastWeights.0'],
        data: tensors['callbacks.1.lastWeights.0'].data.map((v, i) => (i === 0 ? v + 1 : v)),
      },
    };
    fs.writeFileSync(tensorEdit, encodeSafetensors(flipped, metadata));
    expectError(() => loadModel(tensorEdit), 'ERR_IO', /does not match its checksum/);
  });
});

describe('saving callback states', () => {
  it('refuses callbacks that keep no state, and states JSON cannot hold, naming the callback', () => {
    const model = makeModel();
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const p = file('refused.safetensors');
    expectError(() => saveModel(p, model, { callbacks: {} as never }), 'ERR_INVALID_ARG', /saveModel: callbacks must be an array/);
    expectError(
      () => saveModel(p, model, { callbacks: [new StepLR(optimizer, { stepSize: 1 }), { onEpochEnd() {} } as never] }),
      'ERR_INVALID_ARG',
      /saveModel: callbacks\[1\] \(an object\) has no state\(\) and loadState\(\); only callbacks that keep state can be saved/,
    );
    const odd = { state: () => ({ type: 'Mine', best: -Infinity }), loadState() {} };
    expectError(
      () => saveModel(p, model, { callbacks: [odd] }),
      'ERR_INVALID_ARG',
      /saveModel: callbacks\[0\] \(an object\): best is -Infinity, which JSON cannot hold/,
    );
    const typed = { state: () => ({ type: 'Mine', counts: new Int32Array(2) }), loadState() {} };
    expectError(
      () => saveModel(p, model, { callbacks: [typed] }),
      'ERR_INVALID_ARG',
      /counts is Int32Array; a state holds JSON values and Float32Arrays only/,
    );
    expect(fs.existsSync(p)).toBe(false);
  });

  it("a callback of the caller's own with state() and loadState() round-trips, its arrays as tensors", () => {
    class Counter {
      n = 0;
      seen = new Float32Array([1, 2, 3]);
      state() {
        return { type: 'Counter', n: this.n, nested: { seen: this.seen } };
      }
      loadState(s: { n: number; nested: { seen: Float32Array } }) {
        this.n = s.n;
        this.seen = s.nested.seen.slice();
      }
    }
    const model = makeModel();
    const counter = Object.assign(new Counter(), { n: 7 });
    const p = file('own.safetensors');
    saveModel(p, model, { callbacks: [counter] });
    const checkpoint = loadModel(p);
    expect(Object.keys(decodeSafetensors(new Uint8Array(fs.readFileSync(p)), p).tensors)).toContain('callbacks.0.nested.seen');
    const fresh = new Counter();
    checkpoint.restoreCallbacks([fresh]);
    expect(fresh.n).toBe(7);
    expect(fresh.seen).toEqual(new Float32Array([1, 2, 3]));
  });
});

describe('a checkpoint written before callback states (neuroblas 0.1.0)', () => {
  it('still loads, with no callback states, and a fit resumes from it at its epoch', async () => {
    const { metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(OLD_FILE)), OLD_FILE);
    expect(metadata.library_version).toBe('0.1.0');
    expect(metadata.callbacks).toBeUndefined();
    const checkpoint = loadModel(OLD_FILE);
    expect(checkpoint.epoch).toBe(2);
    expect(checkpoint.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(checkpoint.callbackStates).toEqual([]);
    expect(checkpoint.optimizer!.stepCount).toBe(2 * 8);
    const err = expectError(
      () => checkpoint.restoreCallbacks([new ReduceLROnPlateau(checkpoint.optimizer!)]),
      'ERR_INVALID_ARG',
      /holds no callback states \(saved without options\.callbacks, or by an older neuroblas\), got 1 callback \(ReduceLROnPlateau\)/,
    );
    expect(err.message.startsWith(`${OLD_FILE}: `)).toBe(true);
    checkpoint.restoreCallbacks([]); // nothing saved, nothing to restore
    const rest = await fitSync(checkpoint.model, x, y, {
      optimizer: checkpoint.optimizer!,
      initialEpoch: checkpoint.epoch,
      epochs: 2,
      batchSize: 16,
    });
    expect(rest.map((h) => h.epoch)).toEqual([3, 4]);
  });
});
