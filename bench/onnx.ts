/**
 * ONNX export and import: the max difference between ONNX Runtime's outputs and neuroblas's on real test data, and the
 * time to export (encode + atomic write) and import (read + decode + build) each model; the median of --repeat runs.
 *
 *   npx tsx bench/onnx.ts [--repeat N] [--rows R]
 *
 * Models: the digits MLP of the README (784-100-10 sigmoid), LeNet-5 (examples/lenet.ts, images [1, 28, 28]) on
 * Fashion-MNIST, a regression net (4-16-8-1) on the vega-datasets cars, each trained briefly (1 epoch; the cars 20),
 * and PyTorch 1.13's exports of test/interop/onnx_torch_export.py (MLP and CNN) imported into neuroblas.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { Adam, Dense, SGD, Sequential, Tensor, exportOnnx, importOnnx, loadDigits, loadFashionMnist, manualSeed } from '../lib/index.js';
import { lenet } from '../examples/lenet.js';
import { median, option } from './args.js';

const repeat = option('--repeat', 5);
const rows = option('--rows', 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-bench-onnx-'));

function timed(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function ortLogits(file: string, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file);
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, dims) });
  await s.release();
  return out[s.outputNames[0]].data as Float32Array;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const table: string[][] = [['model', 'params', 'file KB', 'export ms', 'import ms', 'max |ORT − neuroblas|', 'max |import − original|']];

async function row(name: string, model: Sequential, x: Float32Array, sample: number[]): Promise<void> {
  model.eval();
  const file = path.join(dir, `${name}.onnx`);
  const n = x.length / sample.reduce((a, b) => a * b, 1);
  const exportMs = timed(() => exportOnnx(model, file, { inputShape: sample }));
  let back = model;
  const importMs = timed(() => {
    back = importOnnx(file);
  });
  const ours = model.predict(new Tensor(x, [n, ...sample])).data;
  const ortDiff = maxDiff(await ortLogits(file, x, [n, ...sample]), ours);
  const backDiff = maxDiff(back.eval().predict(new Tensor(x, [n, ...sample])).data, ours);
  const kb = (fs.statSync(file).size / 1024).toFixed(0);
  table.push([
    name,
    String(model.parameterCount()),
    kb,
    exportMs.toFixed(1),
    importMs.toFixed(1),
    ortDiff.toExponential(1),
    backDiff.toExponential(1),
  ]);
}

manualSeed(1);
const digits = loadDigits();
const mlp = new Sequential([new Dense(784, 100, { activation: 'sigmoid' }), new Dense(100, 10)]);
mlp.fitBlocking(new Tensor(digits.train.x, [digits.train.rows, 784]), digits.train.y, {
  optimizer: new SGD(mlp.parameters(), { lr: 0.1 }),
  epochs: 1,
});
await row('digits MLP', mlp, digits.test.x.slice(0, rows * 784), [784]);

const fashion = loadFashionMnist();
const net = lenet();
const trainRows = 6000;
net.fitBlocking(new Tensor(fashion.train.x.slice(0, trainRows * 784), [trainRows, 1, 28, 28]), fashion.train.y.slice(0, trainRows), {
  optimizer: new Adam(net.parameters(), { lr: 1e-3 }),
  epochs: 1,
  batchSize: 128,
});
await row('LeNet-5 (Fashion-MNIST)', net, fashion.test.x.slice(0, rows * 784), [1, 28, 28]);

const cars = JSON.parse(fs.readFileSync('node_modules/vega-datasets/data/cars.json', 'utf8')) as Record<string, number>[];
const keys = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs'];
const ok = cars.filter((r) => [...keys, 'Miles_per_Gallon'].every((k) => typeof r[k] === 'number'));
const cx = new Float32Array(ok.length * 4);
keys.forEach((k, j) => {
  const v = ok.map((r) => r[k]);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  v.forEach((value, i) => {
    cx[i * 4 + j] = (value - mean) / sd;
  });
});
const reg = new Sequential([new Dense(4, 16, { activation: 'elu' }), new Dense(16, 8, { activation: 'softplus' }), new Dense(8, 1)]);
reg.fitBlocking(
  new Tensor(cx, [ok.length, 4]),
  new Tensor(
    Float32Array.from(ok, (r) => r.Miles_per_Gallon),
    [ok.length, 1],
  ),
  {
    optimizer: new SGD(reg.parameters(), { lr: 0.01 }),
    loss: 'mse',
    epochs: 20,
  },
);
await row('cars regression', reg, cx, [4]);
console.log(table.map((r) => r.join(' | ')).join('\n'));

// PyTorch's exports imported: their logits against PyTorch's own.
const torchRows = 200;
const x = digits.test.x.slice(0, torchRows * 784);
fs.writeFileSync(path.join(dir, 'rows.f32'), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
const run = spawnSync('/usr/bin/python3', ['test/interop/onnx_torch_export.py', path.join(dir, 'rows.f32'), String(torchRows), dir], {
  encoding: 'utf8',
});
if (run.status !== 0) throw new Error(run.stderr);
console.log('\nPyTorch 1.13 export → neuroblas import | import ms | max |neuroblas − PyTorch|');
for (const [name, sample] of [
  ['mlp', [784]],
  ['cnn', [1, 28, 28]],
] as const) {
  const file = path.join(dir, `${name}.onnx`);
  let model = new Sequential([]);
  const ms = timed(() => {
    model = importOnnx(file);
  });
  const bytes = fs.readFileSync(path.join(dir, `${name}.logits.f32`));
  const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const ours = model.eval().predict(new Tensor(x, [torchRows, ...sample])).data;
  console.log(`${name} | ${ms.toFixed(1)} | ${maxDiff(ours, torch).toExponential(1)}`);
}
fs.rmSync(dir, { recursive: true, force: true });
