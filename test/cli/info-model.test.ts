/**
 * Issue 12, item 15: `neuroblas info <model.safetensors>` describes a checkpoint: the architecture summary, the
 * parameter count, the training metadata (epoch, metrics, history, optimizer), the classes, the input range when
 * the file has it, the neuroblas version that saved it and the backend it was trained on when recorded. `--json`
 * prints the same as one object.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../lib/io/checkpoint.js';
import { libraryVersion } from '../../lib/io/version.js';
import { Conv2d } from '../../lib/layers/conv2d.js';
import { Flatten } from '../../lib/layers/flatten.js';
import { Sequential } from '../../lib/layers/sequential.js';
import { Dense } from '../../lib/layers/dense.js';
import { expectOneLineError, runInProcess } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-info-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const csv = path.join(dir, 'grades.csv');
const model = path.join(dir, 'grades.safetensors');

beforeAll(async () => {
  const lines = ['a,b,grade'];
  for (let r = 0; r < 90; r++) lines.push([(r % 3) * 2 + (r % 5) * 0.1, (r % 7) * 0.1, ['100', '200', '300'][r % 3]].join(','));
  fs.writeFileSync(csv, `${lines.join('\n')}\n`);
  const r = await runInProcess(['train', '--data', csv, '--layers', '2-8-3', '--epochs', '3', '--backend', 'js', '--save', model]);
  expect(r.code, r.stderr).toBe(0);
});

describe('neuroblas info <model>', () => {
  it('prints the summary, parameter count, training metadata, classes and who saved it', async () => {
    const r = await runInProcess(['info', model]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${model}: neuroblas checkpoint saved by neuroblas ${libraryVersion()}`);
    expect(r.stdout).toMatch(/^Model: .* \(input \[batch, 2\]\)$/m);
    expect(r.stdout).toMatch(/^\S+ \(Dense\) +\[batch, 8\] +24$/m);
    expect(r.stdout).toMatch(/^parameters: 51 \(51 trainable, 0 non-trainable\)$/m);
    expect(r.stdout).toMatch(/^input: 2 features per row; range \[0, 4\.4\] over 2 features \(per-feature ranges in --json\)$/m);
    expect(r.stdout).toMatch(/^classes: 3: 100, 200, 300$/m);
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^trained: 3 epochs \(history of 3\), sgd lr 0\.1; ` +
          String.raw`last epoch: loss \d\.\d{4}, accuracy [\d.]+%, val loss \d\.\d{4}, val accuracy [\d.]+%$`,
        'm',
      ),
    );
    expect(r.stdout).toMatch(/^backend: js$/m); // trained (and saved) with --backend js
    expect(r.stdout).not.toMatch(/class 0: 100/); // the names, not the metrics entries that carry them
  });

  it('--json: one object with the same facts', async () => {
    const r = await runInProcess(['info', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const info = JSON.parse(lines[0]);
    expect(info).toMatchObject({
      file: model,
      libraryVersion: libraryVersion(),
      inputShape: [2],
      outputShape: [3],
      parameters: 51,
      trainableParameters: 51,
      epoch: 3,
      historyLength: 3,
      classes: 3,
      classNames: ['100', '200', '300'],
      optimizer: { type: 'sgd', lr: 0.1 },
    });
    expect(info.layers).toMatchObject([
      { type: 'Dense', outputShape: [8], parameters: 24 },
      { type: 'Dense', outputShape: [3], parameters: 27 },
    ]);
    expect(Object.keys(info.metrics).sort()).toEqual(['accuracy', 'loss', 'valAccuracy', 'valLoss']);
    expect(info.lastEpoch).toMatchObject({ epoch: 3 });
    expect(info.summary).toMatch(/^Model: /);
    expect('inputRange' in info && 'backend' in info).toBe(true); // null when the file does not record them
  });

  it('a convolutional model, whose input size the file does not record, still lists its layers and parameters', async () => {
    const conv = path.join(dir, 'conv.safetensors');
    saveModel(conv, new Sequential([new Conv2d(1, 2, 3), new Flatten(), new Dense(8, 2)]));
    const r = await runInProcess(['info', conv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\S+ \(Conv2d\) +20$/m);
    expect(r.stdout).toMatch(/^parameters: 38 /m);
    expect(r.stdout).toMatch(/^input: 1 channel/m);
    expect(r.stdout).toMatch(/^trained: 0 epochs/m);
  });

  it('a missing or foreign file is one line, exit 1; without a file, info is what it was', async () => {
    expectOneLineError(
      await runInProcess(['info', path.join(dir, 'none.safetensors')]),
      1,
      /none\.safetensors: cannot read the checkpoint/,
    );
    const plain = await runInProcess(['info']);
    expect(plain.stdout).toMatch(/^backend: (native|js) /m);
  });
});
