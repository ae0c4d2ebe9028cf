/**
 * ONNX files written by PyTorch import into neuroblas: test/interop/onnx_torch_export.py (Debian's PyTorch 1.13) builds
 * an MLP (Linear, BatchNorm1d, ReLU, Dropout, SiLU) and a CNN (Conv2d, BatchNorm2d, max and padded average pools, Tanh,
 * Flatten, GELU), exports both with torch.onnx.export and writes its logits on 200 real test digits; the imported
 * models must give the same logits within 1e-4. The imported MLP then fine-tunes for an epoch on the digits (its loss
 * and accuracy on the test digits improve), saves and loads as a checkpoint.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { SGD, Tensor, evaluate, importOnnx, loadDigits, loadModel, manualSeed, readOnnx, saveModel, withBackend } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { maxAbsDiff, PYTHON } from '../io/onnx-helpers.js';
import { scratchDir } from '../io/scratch-dir.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'onnx_torch_export.py');
const TOLERANCE = 1e-4;
const ROWS = 200;
const file = scratchDir('onnx-torch');
const digits = loadDigits();

/** `count` test rows spread over the split (the digits are stored by class). */
const stride = Math.floor(digits.test.rows / ROWS);
const x = new Float32Array(ROWS * 784);
for (let i = 0; i < ROWS; i++) x.set(digits.test.x.subarray(i * stride * 784, (i * stride + 1) * 784), i * 784);
const labels = Int32Array.from({ length: ROWS }, (_, i) => digits.test.y[i * stride]);

beforeAll(() => {
  fs.writeFileSync(file('rows.f32'), new Uint8Array(x.buffer));
  const run = spawnSync(PYTHON, [SCRIPT, file('rows.f32'), String(ROWS), path.dirname(file('x'))], { encoding: 'utf8' });
  expect(run.stderr, 'Debian python3-torch and python3-onnx must be installed (npm run setup)').not.toMatch(/No module named/);
  expect(run.status, run.stderr).toBe(0);
}, 120_000);

function torchLogits(name: string): Float32Array {
  const bytes = fs.readFileSync(file(`${name}.logits.f32`));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

/** Fortune lines of at least STEPS printable characters, as ids 1..95 (PyTorch runs them unpacked: no padding). */
const STEPS = 20;
const lines = fs
  .readFileSync('/usr/share/games/fortunes/computers', 'latin1')
  .split('\n')
  .filter((l) => l.length >= STEPS)
  .slice(0, 100);
const ids = Float32Array.from(
  lines.flatMap((l) => Array.from(l.slice(0, STEPS), (ch) => Math.min(95, Math.max(1, ch.charCodeAt(0) - 31)))),
);

beforeAll(() => {
  fs.writeFileSync(file('ids.f32'), new Uint8Array(ids.buffer));
  const args = [SCRIPT, '--sequences', file('ids.f32'), String(lines.length), String(STEPS), path.dirname(file('x'))];
  const run = spawnSync(PYTHON, args, { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
}, 120_000);

for (const backend of backends) {
  describe(`PyTorch's recurrent ONNX exports in neuroblas (${backend.name})`, () => {
    it('Embedding → LSTM → Linear on the last step (integer ids in, zero initial states from Shape): logits within 1e-4', () => {
      const imported = readOnnx(file('lstm.onnx'));
      expect(imported.model.toConfig().layers.map((l) => [l.type, l.returns ?? null])).toEqual([
        ['Embedding', null],
        ['LSTM', 'lastStep'],
        ['Dense', null],
      ]);
      const ours = withBackend(backend, () => imported.model.predict(new Tensor(ids, [lines.length, STEPS])));
      expect(maxAbsDiff(ours.data, torchLogits('lstm'))).toBeLessThanOrEqual(TOLERANCE);
    });

    it('Embedding → 2-layer bidirectional GRU → Linear: logits within 1e-4', () => {
      const model = importOnnx(file('gru.onnx'));
      expect(model.toConfig().layers[1]).toMatchObject({ type: 'GRU', numLayers: 2, bidirectional: true, returns: 'lastStep' });
      const ours = withBackend(backend, () => model.predict(new Tensor(ids, [lines.length, STEPS])));
      expect(maxAbsDiff(ours.data, torchLogits('gru'))).toBeLessThanOrEqual(TOLERANCE);
    });
  });
}

for (const backend of backends) {
  describe(`PyTorch's ONNX exports in neuroblas (${backend.name})`, () => {
    it('the MLP: Gemm, BatchNormalization, Relu, SiLU as Sigmoid + Mul; logits within 1e-4', () => {
      const imported = readOnnx(file('mlp.onnx'));
      expect(imported.producer).toMatch(/^pytorch 1\.13/);
      expect(imported.inputShape).toEqual([784]);
      expect(imported.model.layers.map((l) => l.type)).toEqual(['Dense', 'BatchNorm1d', 'ReLU', 'Dense', 'SiLU', 'Dense']);
      const ours = withBackend(backend, () => imported.model.predict(new Tensor(x, [ROWS, 784])));
      expect(maxAbsDiff(ours.data, torchLogits('mlp'))).toBeLessThanOrEqual(TOLERANCE);
    });

    it('the CNN: Conv (batch norm folded in by PyTorch), MaxPool, Pad + AveragePool, Flatten, GELU through Erf', () => {
      const model = importOnnx(file('cnn.onnx'));
      expect(model.layers.map((l) => l.type)).toEqual([
        'Conv2d',
        'ReLU',
        'MaxPool2d',
        'Conv2d',
        'Tanh',
        'AvgPool2d',
        'Flatten',
        'Dense',
        'GELU',
        'Dense',
      ]);
      const ours = withBackend(backend, () => model.predict(new Tensor(x, [ROWS, 1, 28, 28])));
      expect(maxAbsDiff(ours.data, torchLogits('cnn'))).toBeLessThanOrEqual(TOLERANCE);
    });

    it('the imported MLP fine-tunes for an epoch (test loss and accuracy improve), saves and loads', async () => {
      const model = importOnnx(file('mlp.onnx'));
      const testX = new Tensor(x, [ROWS, 784]);
      const before = await onBackend(backend, async () => evaluate(model, testX, labels));
      manualSeed(5);
      await onBackend(backend, () =>
        model.fit(new Tensor(digits.train.x, [digits.train.rows, 784]), digits.train.y, {
          optimizer: new SGD(model.parameters(), { lr: 0.05 }),
          epochs: 1,
          batchSize: 32,
        }),
      );
      const after = await onBackend(backend, async () => evaluate(model, testX, labels));
      expect(after.loss).toBeLessThan(before.loss);
      expect(after.accuracy).toBeGreaterThan(before.accuracy as number);
      expect(after.accuracy).toBeGreaterThan(0.85);
      const saved = file(`tuned-${backend.name}.safetensors`);
      saveModel(saved, model, { epoch: 1 });
      const again = loadModel(saved).model;
      const [a, b] = withBackend(backend, () => [model.predict(testX), again.predict(testX)]);
      expect(maxAbsDiff(a.data, b.data)).toBe(0);
    });
  });
}
