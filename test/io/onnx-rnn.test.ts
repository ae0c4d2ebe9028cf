/**
 * Embedding → LSTM / GRU classifiers in ONNX Runtime: lines of two Debian fortune files (computers, art) as character
 * ids (0 = trailing padding), trained briefly, exported; ORT's logits must equal neuroblas's within 1e-4 on held-out
 * lines, on both backends. Covers the gate reordering (LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h), stacked and
 * bidirectional layers, each `returns`, and per-row lengths from the Embedding's paddingIdx (sequence_lens).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  Embedding,
  Flatten,
  GRU,
  LSTM,
  Sequential,
  Tensor,
  exportOnnx,
  importOnnx,
  manualSeed,
  withBackend,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { checkWithOnnxChecker, maxAbsDiff, ortRun } from './onnx-helpers.js';
import { scratchDir } from './scratch-dir.js';

const TOLERANCE = 1e-4;
const T = 24;
const file = scratchDir('onnx-rnn');
const written: string[] = [];

/** Non-empty lines of a fortune file as ids 1..95 (printable ASCII), cut to T steps and padded with 0 at the end. */
function lines(name: string, count: number): number[][] {
  const text = fs.readFileSync(`/usr/share/games/fortunes/${name}`, 'latin1');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 3 && l !== '%')
    .slice(0, count)
    .map((l) => Array.from({ length: T }, (_, t) => (t < l.length ? Math.min(95, Math.max(1, l.charCodeAt(t) - 31)) : 0)));
}

const a = lines('computers', 200);
const b = lines('art', 200);
const rows = [...a, ...b];
const labels = Int32Array.from(rows, (_, i) => (i < a.length ? 0 : 1));
const order = rows.map((_, i) => i).sort((i, j) => ((i * 7919) % 401) - ((j * 7919) % 401)); // a fixed shuffle
const train = order.slice(0, 320);
const test = order.slice(320);
const ids = (idx: number[]) => Float32Array.from(idx.flatMap((i) => rows[i]));

async function check(name: string, model: Sequential, backend: (typeof backends)[number]): Promise<number> {
  withBackend(backend, () =>
    model.fitBlocking(
      new Tensor(ids(train), [train.length, T]),
      Int32Array.from(train, (i) => labels[i]),
      {
        optimizer: new Adam(model.parameters(), { lr: 1e-2 }),
        epochs: 1,
        batchSize: 32,
      },
    ),
  );
  const p = file(`${name}-${backend.name}.onnx`);
  exportOnnx(model, p, { inputShape: [T] });
  written.push(p);
  const x = ids(test);
  const ours = withBackend(backend, () => model.predict(new Tensor(x, [test.length, T])));
  // Imported back: the same layers and weights, the same predictions.
  const back = importOnnx(p);
  const config = (s: Sequential) => s.toConfig().layers.map(({ name, dropout, ...c }) => c); // dropout: training only
  expect(config(back)).toEqual(config(model));
  const again = withBackend(backend, () => back.predict(new Tensor(x, [test.length, T])));
  expect(maxAbsDiff(again.data, ours.data)).toBeLessThanOrEqual(1e-6);
  return maxAbsDiff((await ortRun(p, x, [test.length, T])).logits, ours.data);
}

for (const backend of backends) {
  describe(`recurrent classifiers in ONNX Runtime (${backend.name})`, () => {
    it('Embedding (paddingIdx: per-row lengths) → LSTM (last valid step) → Dense', async () => {
      manualSeed(21);
      const model = new Sequential([new Embedding(96, 8, { paddingIdx: 0 }), new LSTM(8, 12, { returns: 'lastStep' }), new Dense(12, 2)]);
      expect(await check('lstm-last', model, backend)).toBeLessThanOrEqual(TOLERANCE);
    });

    it('Embedding → 2-layer bidirectional LSTM (final state), with lengths', async () => {
      manualSeed(22);
      const model = new Sequential([
        new Embedding(96, 6, { paddingIdx: 0 }),
        new LSTM(6, 8, { numLayers: 2, bidirectional: true, dropout: 0.1, returns: 'finalState' }),
        new Dense(16, 2),
      ]);
      expect(await check('lstm-bi', model, backend)).toBeLessThanOrEqual(TOLERANCE);
    });

    it('Embedding (no padding index: every row all T steps) → GRU (last step) → Dense', async () => {
      manualSeed(23);
      const model = new Sequential([new Embedding(96, 8), new GRU(8, 10, { returns: 'lastStep' }), new Dense(10, 2)]);
      expect(await check('gru-last', model, backend)).toBeLessThanOrEqual(TOLERANCE);
    });

    it('Embedding (lengths) → 2-layer bidirectional GRU (the whole sequence, padded steps 0) → Flatten → Dense', async () => {
      manualSeed(24);
      const model = new Sequential([
        new Embedding(96, 6, { paddingIdx: 0 }),
        new GRU(6, 5, { numLayers: 2, bidirectional: true }),
        new Flatten(),
        new Dense(T * 10, 2),
      ]);
      expect(await check('gru-seq', model, backend)).toBeLessThanOrEqual(TOLERANCE);
    });
  });
}

describe('recurrent exports', () => {
  it('pass onnx.checker.check_model(full_check=True)', () => {
    expect(written.length).toBeGreaterThanOrEqual(4);
    checkWithOnnxChecker(written);
  });
});
