/**
 * PyTorch rebuilds a network made of every activation added in issue 13, as layers (GELU both ways, SiLU, SELU,
 * Mish, Softsign, Hardsigmoid, ReLU6, LogSoftmax) and as Dense activations (gelu, gelu_tanh, silu, selu, mish,
 * softsign, hardsigmoid, relu6, logSoftmax), from the saved file alone (test/interop/torch_check.py), and its
 * outputs on 64 rows must match ours within 1e-4 on each backend. Needs /usr/bin/python3 with torch (see
 * interop.test.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Dense,
  GELU,
  Hardsigmoid,
  LogSoftmax,
  Mish,
  ReLU6,
  SELU,
  Sequential,
  SiLU,
  Softsign,
  Tensor,
  encodeSafetensors,
  manualSeed,
  saveModel,
  withBackend,
} from '../../lib/index.js';
import { backends } from '../helpers/backends.js';
import { Rng } from '../helpers/random.js';
import { scratchDir } from '../io/scratch-dir.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'torch_check.py');
const TOLERANCE = 1e-4;
const file = scratchDir('interop-activations');

describe.each(backends.map((b) => [b.name, b] as const))('PyTorch rebuilds every new activation (%s)', (name, backend) => {
  it('as layers and as Dense activations, with the same outputs (max abs difference ≤ 1e-4)', () => {
    withBackend(backend, () => {
      manualSeed(5);
      const model = new Sequential([
        new Dense(8, 16, { activation: 'gelu' }),
        new GELU({ approximate: 'tanh' }),
        new Dense(16, 16, { activation: 'gelu_tanh' }),
        new SiLU(),
        new Dense(16, 16, { activation: 'selu' }),
        new Mish(),
        new Dense(16, 16, { activation: 'softsign' }),
        new Hardsigmoid(),
        new Dense(16, 16, { activation: 'relu6' }),
        new GELU(),
        new Dense(16, 16, { activation: 'mish' }),
        new ReLU6(),
        new Dense(16, 16, { activation: 'hardsigmoid' }),
        new SELU(),
        new Dense(16, 16, { activation: 'silu' }),
        new Softsign(),
        new Dense(16, 6, { activation: 'logSoftmax' }),
        new Dense(6, 4),
        new LogSoftmax(),
      ]);
      const x = new Tensor(new Rng(9).floats(64 * 8, 3), [64, 8]);
      const out = model.predict(x);
      const modelPath = file(`activations-${name}.safetensors`);
      const casesPath = file(`activations-cases-${name}.safetensors`);
      saveModel(modelPath, model);
      fs.writeFileSync(
        casesPath,
        encodeSafetensors({
          x: { dtype: 'F32', shape: x.shape, data: x.data },
          logits: { dtype: 'F32', shape: out.shape, data: out.data },
        }),
      );
      const run = spawnSync(PYTHON, [SCRIPT, modelPath, casesPath, String(TOLERANCE)], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, `torch_check.py failed (status ${run.status}):\n${run.stdout}${run.stderr}`).toBe(0);
      const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      expect(report.rows).toBe(64);
      expect(report.max_abs_diff).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});
