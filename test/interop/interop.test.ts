/**
 * PyTorch reads our checkpoints: a digits MLP (784 → 64 relu → batch norm → dropout → 10) trained briefly
 * on each backend is saved, test/interop/torch_check.py rebuilds the same network in torch from the file
 * alone, and its logits on 100 test images must match ours within 1e-4 (max abs difference).
 *
 * Needs Debian's python3-torch, which imports with /usr/bin/python3 only (not a pyenv or venv python3 first
 * on PATH). Without it this test fails saying so: .ci/run installs it, and a skipped interop check would
 * pass for the wrong reason.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  SGD,
  Sequential,
  Tensor,
  encodeSafetensors,
  loadDigits,
  manualSeed,
  saveModel,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { onBackend } from '../helpers/async.js';
import { scratchDir } from '../io/scratch-dir.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_check.py');
const TOLERANCE = 1e-4;
const TEST_IMAGES = 100;
const TRAIN_ROWS = 2000;
const file = scratchDir('interop');

let data: ReturnType<typeof loadDigits>;
beforeAll(() => {
  data = loadDigits();
});

/** Why the script could not run at all (no python, no torch), as an instruction; null when it ran. */
function missingTorch(run: ReturnType<typeof spawnSync>): string | null {
  const stderr = String(run.stderr ?? '');
  if (run.error === undefined && !/No module named '?torch'?/.test(stderr)) return null;
  return (
    `${PYTHON} cannot import torch (${run.error?.message ?? stderr.trim().split('\n').at(-1)}): ` +
    'install python3-torch (sudo apt-get install python3-torch; .ci/run does this)'
  );
}

/** `count` rows spread evenly over a split (the digits are stored by class: the first rows are all zeros). */
function spreadRows(split: { x: Float32Array; y: Int32Array; rows: number }, count: number): { x: Tensor; y: Int32Array } {
  const stride = Math.floor(split.rows / count);
  const x = new Float32Array(count * 784);
  for (let i = 0; i < count; i++) x.set(split.x.subarray(i * stride * 784, (i * stride + 1) * 784), i * 784);
  return { x: new Tensor(x, [count, 784]), y: Int32Array.from({ length: count }, (_, i) => split.y[i * stride]) };
}

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch loads a checkpoint trained on %s', (name, backend) => {
  it(`gives the same logits on ${TEST_IMAGES} test images (max abs difference ≤ ${TOLERANCE})`, async (context) => {
    await onBackend(backend, async () => {
      manualSeed(11);
      const model = new Sequential([new Dense(784, 64, { activation: 'relu' }), new BatchNorm1d(64), new Dropout(0.2), new Dense(64, 10)]);
      const train = spreadRows(data.train, TRAIN_ROWS);
      const history = await model.fit(train.x, train.y, {
        optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, backend }),
        epochs: 1,
        batchSize: 32,
      });
      expect(history[0].accuracy!).toBeGreaterThan(0.6); // it learned something: the logits are not near-constant

      const { x } = spreadRows(data.test, TEST_IMAGES);
      const logits = model.predict(x);

      const modelPath = file(`digits-${name}.safetensors`);
      const casesPath = file(`cases-${name}.safetensors`);
      saveModel(modelPath, model);
      fs.writeFileSync(
        casesPath,
        encodeSafetensors({
          x: { dtype: 'F32', shape: x.shape, data: x.data },
          logits: { dtype: 'F32', shape: logits.shape, data: logits.data },
        }),
      );
      const run = spawnSync(PYTHON, [SCRIPT, modelPath, casesPath, String(TOLERANCE)], { encoding: 'utf8', timeout: 120_000 });
      expect(missingTorch(run), missingTorch(run) ?? '').toBeNull();
      expect(run.status, `torch_check.py failed (status ${run.status}):\n${run.stdout}${run.stderr}`).toBe(0);
      const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      expect(report.rows).toBe(TEST_IMAGES);
      expect(report.max_abs_diff).toBeLessThanOrEqual(TOLERANCE);
      const line =
        `interop (${name}): PyTorch vs neuroblas logits on ${TEST_IMAGES} digits, ` +
        `max abs difference ${report.max_abs_diff.toExponential(2)} (tolerance ${TOLERANCE})`;
      console.log(line);
      await context.annotate(line);
    });
  });
});
