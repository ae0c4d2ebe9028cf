/**
 * Recurrent models move between PyTorch and neuroblas both ways. (1) PyTorch reads ours: an Embedding → LSTM → Linear
 * and an Embedding → GRU (2 layers, bidirectional) → Linear classifier, trained briefly with fit on each backend on
 * padded token rows, are saved; test/interop/torch_check.py rebuilds them as nn.Embedding / nn.LSTM / nn.GRU (packing the
 * rows by their lengths) and its logits must match ours within 1e-4. (2) We read PyTorch's: torch_rnn_export.py seeds a
 * classifier in PyTorch and saves its state_dict as safetensors; loaded under PyTorch's names (the Linear weight
 * transposed to Dense's [in, out]), our logits on its padded rows must match its packed-sequence logits within 1e-4.
 * Needs Debian's python3-torch at /usr/bin/python3 (see interop.test.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Dense,
  Embedding,
  GRU,
  LSTM,
  Sequential,
  Tensor,
  decodeSafetensors,
  encodeSafetensors,
  manualSeed,
  saveModel,
  withBackend,
} from '../../lib/index.js';
import { onBackend } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { expectClose } from '../helpers/close.js';
import { Rng } from '../helpers/random.js';
import { scratchDir } from '../io/scratch-dir.js';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
const TOLERANCE = 1e-4;
const file = scratchDir('rnn-interop');

/** Padded token rows (0 = padding, lengths 1..T); label: the most frequent token of 1..3 (ties to the smaller). */
function tokens(rows: number, T: number, V: number, seed: number): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(rows * T);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const n = 1 + rng.int(T);
    const counts = [0, 0, 0, 0];
    for (let t = 0; t < n; t++) {
      const v = 1 + rng.int(V - 1);
      x[r * T + t] = v;
      if (v <= 3) counts[v]++;
    }
    y[r] = counts[1] >= counts[2] && counts[1] >= counts[3] ? 0 : counts[2] >= counts[3] ? 1 : 2;
  }
  return { x: new Tensor(x, [rows, T]), y };
}

function python(args: string[]) {
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 120_000 });
  expect(run.error, `${PYTHON} could not run: install python3-torch`).toBeUndefined();
  return run;
}

const MODELS = [
  ['LSTM', () => [new LSTM(8, 12, { returns: 'lastStep' })], 12],
  ['GRU (2 layers, bidirectional)', () => [new GRU(8, 6, { numLayers: 2, bidirectional: true, dropout: 0.1, returns: 'finalState' })], 12],
  // Two layers of their own: the lengths ride from the Embedding through the first to the second.
  ['LSTM → LSTM', () => [new LSTM(8, 6, { bidirectional: true }), new LSTM(12, 5, { returns: 'lastStep' })], 5],
] as const;

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch loads recurrent models trained on %s', (name, backend) => {
  for (const [title, rnn, width] of MODELS) {
    it(`Embedding → ${title} → Linear: the same logits (max abs difference ≤ ${TOLERANCE})`, async () => {
      await onBackend(backend, async () => {
        manualSeed(12);
        const model = new Sequential([new Embedding(10, 8, { paddingIdx: 0 }), ...rnn(), new Dense(width, 3)]);
        const train = tokens(512, 14, 10, 1);
        await model.fit(train.x, train.y, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 2, batchSize: 64 });
        const { x } = tokens(50, 14, 10, 2);
        const logits = model.predict(x);
        const slug = `${title.replace(/\W+/g, '-')}-${name}`;
        const modelPath = file(`${slug}.safetensors`);
        const casesPath = file(`${slug}-cases.safetensors`);
        saveModel(modelPath, model);
        fs.writeFileSync(
          casesPath,
          encodeSafetensors({
            x: { dtype: 'F32', shape: x.shape, data: x.data },
            logits: { dtype: 'F32', shape: logits.shape, data: logits.data },
          }),
        );
        const run = python([path.join(here, 'torch_check.py'), modelPath, casesPath, String(TOLERANCE)]);
        expect(run.status, `torch_check.py failed (status ${run.status}):\n${run.stdout}${run.stderr}`).toBe(0);
        const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
        expect(report.rows).toBe(50);
        expect(report.max_abs_diff).toBeLessThanOrEqual(TOLERANCE);
      });
    }, 120_000);
  }
});

describe.each(backends.map((b) => [b.name, b] as const))('neuroblas loads a PyTorch state_dict (safetensors) on %s', (_name, backend) => {
  for (const kind of ['lstm', 'gru'] as const) {
    it(`Embedding → ${kind.toUpperCase()} → Linear written by PyTorch: the same logits on padded rows (≤ ${TOLERANCE})`, () => {
      const out = file(`torch-${kind}.safetensors`);
      const run = python([path.join(here, 'torch_rnn_export.py'), kind, out]);
      expect(run.status, `torch_rnn_export.py failed:\n${run.stdout}${run.stderr}`).toBe(0);
      const { tensors } = decodeSafetensors(new Uint8Array(fs.readFileSync(out)), out);
      const [V, E] = tensors['embedding.weight'].shape;
      const [C, H] = tensors['head.weight'].shape;
      withBackend(backend, () => {
        const rnn = kind === 'lstm' ? new LSTM(E, H, { returns: 'lastStep' }) : new GRU(E, H, { returns: 'lastStep' });
        const model = new Sequential([new Embedding(V, E, { paddingIdx: 0 }), rnn, new Dense(H, C)]);
        const state: Record<string, Float32Array> = { '0.weight': tensors['embedding.weight'].data, '2.bias': tensors['head.bias'].data };
        for (const [n] of rnn.namedParameters()) state[`1.${n}`] = tensors[`rnn.${n}`].data;
        const w = tensors['head.weight'].data;
        state['2.weight'] = Float32Array.from({ length: C * H }, (_, i) => w[(i % C) * H + Math.floor(i / C)]);
        model.setWeights(model.namedWeights().map(([n]) => state[n]));
        const logits = model.predict(new Tensor(tensors.x.data, tensors.x.shape));
        expectClose(logits.data, tensors.logits.data, { rtol: 0, atol: TOLERANCE }, 'logits');
      });
    });
  }
});
