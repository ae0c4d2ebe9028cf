/**
 * `neuroblas export` and `neuroblas import`: a model trained by the CLI goes out as ONNX (ONNX Runtime gives its logits,
 * the metadata keeps its input range), comes back as a checkpoint that `evaluate` scores the same; bad calls are one line.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, loadDigits, loadModel, readOnnx } from '../../lib/index.js';
import { maxAbsDiff, ortRun } from '../io/onnx-helpers.js';
import { scratchDir } from '../io/scratch-dir.js';
import { expectOneLineError, runInProcess } from './run-cli.js';

const file = scratchDir('cli-onnx');

describe('neuroblas export / import', () => {
  it('exports a trained CLI model that ONNX Runtime runs as neuroblas does, and imports it back', async () => {
    const ckpt = file('digits.safetensors');
    const train = await runInProcess([
      'train',
      '--data',
      'digits',
      '--layers',
      '784-16-10',
      '--epochs',
      '1',
      '--limit',
      '400',
      '--save',
      ckpt,
      '--json',
    ]);
    expect(train.code, train.stderr).toBe(0);
    const onnx = file('digits.onnx');
    const exported = await runInProcess(['export', ckpt, onnx, '--probabilities', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    const record = JSON.parse(exported.stdout);
    expect(record).toMatchObject({ file: onnx, opset: 17, inputShape: [784], outputShape: [10], outputs: ['logits', 'probabilities'] });
    expect(readOnnx(onnx).inputRange).toEqual(loadModel(ckpt).inputRange);

    const { test } = loadDigits();
    const x = test.x.slice(0, 50 * 784);
    const ours = loadModel(ckpt).model.predict(new Tensor(x, [50, 784]));
    expect(maxAbsDiff((await ortRun(onnx, x, [50, 784])).logits, ours.data)).toBeLessThanOrEqual(1e-4);

    const back = file('back.safetensors');
    const imported = await runInProcess(['import', onnx, back]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/3 layers \(Dense, ReLU, Dense\) from neuroblas .*, opset 17/);
    const [a, b] = await Promise.all(
      [ckpt, back].map((f) => runInProcess(['evaluate', f, '--data', 'digits', '--json']).then((r) => JSON.parse(r.stdout))),
    );
    expect(b.accuracy).toBe(a.accuracy);
  });

  it("a text model's tokenizer goes into the ONNX metadata and comes back with import", async () => {
    const words = [
      ['apple', 'banana', 'cherry'],
      ['engine', 'wheel', 'brake'],
    ];
    const text = Array.from({ length: 80 }, (_, i) => `${i % 2 ? 'car' : 'fruit'}\t${words[i % 2].join(' ')} ${words[i % 2][i % 3]}`);
    const tsv = file('text.tsv');
    fs.writeFileSync(tsv, `${text.join('\n')}\n`);
    const ckpt = file('text.safetensors');
    const train = await runInProcess(['train', '--data', tsv, '--tokens', 'word', '--epochs', '1', '--save', ckpt, '--json']);
    expect(train.code, train.stderr).toBe(0);
    const onnx = file('text.onnx');
    expect((await runInProcess(['export', ckpt, onnx])).code).toBe(0);
    const saved = loadModel(ckpt).tokenizer;
    expect(saved).not.toBeNull();
    expect(JSON.parse(readOnnx(onnx).metadata.tokenizer)).toEqual(saved?.toJSON());
    const back = file('text-back.safetensors');
    expect((await runInProcess(['import', onnx, back])).code).toBe(0);
    expect(loadModel(back).tokenizer?.toJSON()).toEqual(saved?.toJSON());
  });

  it('bad calls: a missing checkpoint, a bad opset, an ONNX file that is not one', async () => {
    expectOneLineError(
      await runInProcess(['export', file('none.safetensors'), file('x.onnx')]),
      1,
      /none\.safetensors: cannot read the checkpoint/,
    );
    const ckpt = file('digits.safetensors');
    expectOneLineError(await runInProcess(['export', ckpt, file('x.onnx'), '--opset', '9']), 1, /opset must be an integer from 13 to 17/);
    expectOneLineError(await runInProcess(['export', ckpt, file('x.onnx'), '--input-shape', 'a']), 2, /--input-shape/);
    expectOneLineError(await runInProcess(['import', ckpt, file('y.safetensors')]), 1, /digits\.safetensors: not an ONNX model/);
  });
});
