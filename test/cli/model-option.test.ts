/**
 * `neuroblas train --model`: the presets (mlp, lenet: the example's LeNet-5 on flat rows), model spec files
 * (Sequential.toConfig()'s JSON or a bare array of layer configs, Dropout and batch norm included) and their
 * errors, which name the layer; `--lr-schedule` (its syntax and the lr per epoch) and `--early-stopping`.
 * In-process runs on a few hundred digits: fast, and the same runCli the executable calls.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/io/checkpoint.js';
import { lenet } from '../../examples/lenet.js';
import type { LayerConfig } from '../../lib/layers/layer.js';
import { backends } from '../helpers/backends.js';
import { expectOneLineError, runInProcess, type CliResult } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-cli-model-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const QUICK = ['--data', 'digits', '--limit', '200', '--batch-size', '50'];

function jsonLines(r: CliResult): Record<string, number>[] {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** Layer configs without the generated names, to compare architectures. */
function shapeOf(layers: LayerConfig[]): LayerConfig[] {
  return layers.map(({ name: _name, ...rest }) => rest);
}

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

describe.each(backends.map((b) => [b.name] as const))('--model on %s', (backend) => {
  it('--model lenet trains the LeNet-5 of examples/lenet.ts on digit rows, and evaluate and predict take the saved file', async () => {
    const file = path.join(dir, `lenet-${backend}.safetensors`);
    const r = await runInProcess(['train', ...QUICK, '--model', 'lenet', '--epochs', '1', '--backend', backend, '--save', file]);
    expect(jsonLines(r)).toHaveLength(1);
    expect(r.stderr).toMatch(/neuroblas: LeNet-5 on digits: 200 training rows/);
    const saved = loadModel(file, { restoreRandom: false }).model;
    const layers = saved.toConfig().layers;
    expect(layers[0]).toMatchObject({ type: 'Unflatten', shape: [1, 28, 28] });
    expect(shapeOf(layers.slice(1))).toEqual(shapeOf(lenet().toConfig().layers));
    expect(saved.parameterCount()).toBe(61706);
    const evaluated = await runInProcess(['evaluate', file, '--data', 'digits', '--limit', '50', '--json', '--backend', backend]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toHaveProperty('accuracy');
  });

  it('a model spec file with Dropout and BatchNorm1d trains; the file holds exactly that architecture', async () => {
    const layers = [
      { type: 'Dense', in: 784, out: 32 },
      { type: 'BatchNorm1d', numFeatures: 32 },
      { type: 'ReLU' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', in: 32, out: 10 },
    ];
    const specs = [writeJson('spec.json', { type: 'Sequential', layers }), writeJson('bare.json', layers)];
    for (const spec of specs) {
      const file = path.join(dir, `spec-${backend}.safetensors`);
      const r = await runInProcess(['train', ...QUICK, '--model', spec, '--epochs', '2', '--backend', backend, '--save', file]);
      const epochs = jsonLines(r);
      expect(epochs).toHaveLength(2);
      expect(epochs[1].accuracy).toBeGreaterThan(0.3);
      const saved = loadModel(file, { restoreRandom: false }).model.toConfig().layers;
      expect(saved.map((l) => l.type)).toEqual(['Dense', 'BatchNorm1d', 'ReLU', 'Dropout', 'Dense']);
      expect(saved[3]).toMatchObject({ rate: 0.2 });
    }
  });

  it('--lr-schedule step:1:0.5 halves the lr every epoch; exponential, cosine and plateau run', async () => {
    const step = jsonLines(await runInProcess(['train', ...QUICK, '--epochs', '3', '--backend', backend, '--lr-schedule', 'step:1:0.5']));
    expect(step.map((e) => e.lr)).toEqual([0.1, 0.05, 0.025]);
    const exp = jsonLines(await runInProcess(['train', ...QUICK, '--epochs', '2', '--lr', '0.2', '--lr-schedule', 'exponential:0.1']));
    expect(exp.map((e) => e.lr)).toEqual([0.2, 0.2 * 0.1]);
    const cos = jsonLines(await runInProcess(['train', ...QUICK, '--epochs', '2', '--lr-schedule', 'cosine:2']));
    expect(cos[1].lr).toBeCloseTo(0.05, 12);
    expect(jsonLines(await runInProcess(['train', ...QUICK, '--epochs', '2', '--lr-schedule', 'plateau:0:0.5']))).toHaveLength(2);
  });

  it("--early-stopping stops when the validation loss stops improving and saves the best epoch's weights", async () => {
    const file = path.join(dir, `es-${backend}.safetensors`);
    // lr 3 on 200 digits: the validation loss gets worse after a few epochs.
    const r = await runInProcess([
      'train',
      ...QUICK,
      '--epochs',
      '30',
      '--lr',
      '3',
      '--early-stopping',
      '1',
      '--backend',
      backend,
      '--save',
      file,
    ]);
    const epochs = jsonLines(r);
    expect(epochs.length).toBeLessThan(30);
    const best = epochs.reduce((b, e) => (e.valLoss < b.valLoss ? e : b));
    expect(epochs.length).toBe(best.epoch + 1); // patience 1: stops at the first epoch without improvement
    expect(r.stderr).toMatch(
      new RegExp(
        `validation accuracy .* \\(loss ${best.valLoss.toFixed(4)}\\) ` +
          `with the weights of epoch ${best.epoch}, the best of ${epochs.length} \\(early stopping\\)`,
      ),
    );
    expect(loadModel(file, { restoreRandom: false }).metrics.valLoss).toBe(best.valLoss);
    const evaluated = JSON.parse(
      (await runInProcess(['evaluate', file, '--data', 'digits', '--limit', '200', '--json', '--backend', backend])).stdout,
    );
    expect(evaluated.loss).toBeCloseTo(best.valLoss, 5);
  });
});

describe('--model, --lr-schedule and --early-stopping errors', () => {
  it('bad --lr-schedule and --early-stopping values are usage errors (exit 2) that show the syntax', async () => {
    for (const [value, why] of [
      ['linear:3', /Unknown schedule "linear"/],
      ['step', /"step" takes 1 or 2 values, got 0/],
      ['step:0', /the step size must be an integer >= 1, got "0"/],
      ['step:2:x', /gamma must be a number > 0, got "x"/],
      ['exponential:0.9:1', /"exponential" takes 1 value, got 2/],
      ['cosine:1.5', /tMax must be an integer >= 1/],
      ['plateau:2:1.5', /the factor must be between 0 and 1/],
    ] as const) {
      const r = await runInProcess(['train', ...QUICK, '--lr-schedule', value]);
      expectOneLineError(
        r,
        2,
        new RegExp(`'--lr-schedule <schedule>' argument '${value}' is invalid\\. ${why.source}.*Expected step:<size>`),
      );
    }
    expectOneLineError(
      await runInProcess(['train', ...QUICK, '--early-stopping', '-1']),
      2,
      /'--early-stopping <patience>' argument '-1' is invalid/,
    );
  });

  it('a spec file that cannot be built, or does not fit the data, names the layer and what to do', async () => {
    const badEntry = writeJson('bad-entry.json', [
      { type: 'Dense', in: 784, out: 10 },
      { type: 'Dropout', rate: 2 },
    ]);
    const unknown = writeJson('unknown.json', [{ type: 'Dense', in: 784, out: 10 }, { type: 'Dens' }]);
    const conv = writeJson('conv.json', [{ type: 'Conv2d', inChannels: 1, outChannels: 4, kernelSize: 3 }, { type: 'Flatten' }]);
    const wide = writeJson('wide.json', [{ type: 'Dense', in: 700, out: 10 }]);
    const narrow = writeJson('narrow.json', [{ type: 'Dense', in: 784, out: 5 }]);
    const softmax = writeJson('softmax.json', [{ type: 'Dense', in: 784, out: 10 }, { type: 'Softmax' }]);
    const notJson = path.join(dir, 'broken.json');
    fs.writeFileSync(notJson, '{ "type": ');
    const expectations: [string[], RegExp][] = [
      [['--model', badEntry], /--model .*bad-entry\.json: layers\[1\] \(Dropout\): .*rate/],
      [['--model', unknown], /--model .*unknown\.json: layers\[1\]: unknown layer type "Dens"/],
      [
        ['--model', conv],
        /layers\[0\] \(Conv2d "conv2d_\d+"\) cannot take digits.s rows: .*start the model with .*"Unflatten", "shape": \[1, 28, 28\]/,
      ],
      [['--model', wide], /layers\[0\] \(Dense "dense_\d+"\) cannot take digits's rows: .*expected input with 700 features, got 784/],
      [['--model', narrow], /--model .*narrow\.json: gives 5 outputs, but digits has 10 classes/],
      [['--model', softmax], /ends with a softmax, but training applies softmax cross-entropy .*remove the softmax/],
      [['--model', notJson], /--model .*broken\.json: not valid JSON/],
      [['--model', 'lenett'], /--model lenett: not a preset \(mlp, lenet\) and no such file/],
      [['--model', 'lenet', '--layers', '784-10'], /--layers applies to --model mlp; --model lenet defines its own layers/],
      [['--model', 'lenet', '--activation', 'tanh'], /--activation applies to --model mlp/],
    ];
    for (const [args, message] of expectations) expectOneLineError(await runInProcess(['train', ...QUICK, ...args]), 1, message);
  });

  it('--model lenet on data that are not 28×28 images says so', async () => {
    const csv = path.join(dir, 'small.csv');
    fs.writeFileSync(csv, `a,b,y\n${Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2}`).join('\n')}\n`);
    expectOneLineError(
      await runInProcess(['train', '--data', csv, '--model', 'lenet']),
      1,
      /--model lenet takes 28×28 images \(784 values per row\), but .*small\.csv has 2 features per row/,
    );
  });

  it('--normalize with a model whose first layer cannot take the folded statistics fails before training', async () => {
    const r = await runInProcess([
      'train',
      ...QUICK,
      '--model',
      'lenet',
      '--normalize',
      'standardize',
      '--save',
      path.join(dir, 'never.safetensors'),
    ]);
    expectOneLineError(
      r,
      1,
      /--normalize standardize: the statistics are folded into .*Dense with a bias \(this one starts with Unflatten\)/,
    );
    expect(fs.existsSync(path.join(dir, 'never.safetensors'))).toBe(false);
  });
});
