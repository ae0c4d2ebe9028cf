/**
 * ONNX export and import: the max difference between ONNX Runtime's outputs and neuroblas's on real test data, and the
 * time to export (encode + atomic write) and import (read + decode + build) each model; the median of --repeat runs.
 *
 *   npx tsx bench/onnx.ts [--repeat N] [--rows R]
 *
 * Models: the digits MLP of the README (784-100-10 sigmoid), LeNet-5 (examples/lenet.ts, images [1, 28, 28]) on
 * Fashion-MNIST, a regression net (4-16-8-1) on the vega-datasets cars, each trained briefly (1 epoch; the cars 20),
 * Embedding→LSTM and Embedding→GRU classifiers on Debian fortune lines, and PyTorch 1.13's exports of
 * test/interop/onnx_torch_export.py (MLP, CNN, LSTM and bidirectional GRU classifiers) imported into neuroblas.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import {
  Adam,
  Dense,
  Embedding,
  GRU,
  LSTM,
  SGD,
  Sequential,
  Tensor,
  exportOnnx,
  importOnnx,
  loadDigits,
  loadFashionMnist,
  manualSeed,
} from '../lib/index.js';
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

// A character-level classifier: fortune lines (computers vs art) as ids, 0 = trailing padding (per-row lengths).
const T = 32;
const toIds = (name: string) =>
  fs
    .readFileSync(`/usr/share/games/fortunes/${name}`, 'latin1')
    .split('\n')
    .filter((l) => l.trim().length >= 3)
    .slice(0, 500)
    .map((l) => Array.from({ length: T }, (_, t) => (t < l.length ? Math.min(95, Math.max(1, l.charCodeAt(t) - 31)) : 0)));
const [ca, cb] = [toIds('computers'), toIds('art')];
const ids = Float32Array.from([...ca, ...cb].flat());
const idLabels = Int32Array.from([...ca, ...cb], (_, i) => (i < ca.length ? 0 : 1));
for (const [name, rnn] of [
  ['Embedding→LSTM (lengths)', new LSTM(16, 32, { returns: 'lastStep' })],
  ['Embedding→biGRU×2', new GRU(16, 24, { numLayers: 2, bidirectional: true, returns: 'finalState' })],
] as const) {
  const model = new Sequential([new Embedding(96, 16, { paddingIdx: 0 }), rnn, new Dense(rnn.directions * rnn.hiddenSize, 2)]);
  model.fitBlocking(new Tensor(ids, [ids.length / T, T]), idLabels, { optimizer: new Adam(model.parameters(), { lr: 1e-2 }), epochs: 1 });
  await row(name, model, ids.slice(0, Math.min(rows, ids.length / T) * T), [T]);
}
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
const STEPS = 20;
const longLines = fs
  .readFileSync('/usr/share/games/fortunes/computers', 'latin1')
  .split('\n')
  .filter((l) => l.length >= STEPS)
  .slice(0, 100);
const seq = Float32Array.from(
  longLines.flatMap((l) => Array.from(l.slice(0, STEPS), (ch) => Math.min(95, Math.max(1, ch.charCodeAt(0) - 31)))),
);
fs.writeFileSync(path.join(dir, 'ids.f32'), new Uint8Array(seq.buffer));
const seqRun = spawnSync(
  '/usr/bin/python3',
  ['test/interop/onnx_torch_export.py', '--sequences', path.join(dir, 'ids.f32'), String(longLines.length), String(STEPS), dir],
  { encoding: 'utf8' },
);
if (seqRun.status !== 0) throw new Error(seqRun.stderr);
for (const name of ['lstm', 'gru']) {
  let model = new Sequential([]);
  const ms = timed(() => {
    model = importOnnx(path.join(dir, `${name}.onnx`));
  });
  const bytes = fs.readFileSync(path.join(dir, `${name}.logits.f32`));
  const torch = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const ours = model.eval().predict(new Tensor(seq, [longLines.length, STEPS])).data;
  console.log(`${name} | ${ms.toFixed(1)} | ${maxDiff(ours, torch).toExponential(1)}`);
}
fs.rmSync(dir, { recursive: true, force: true });
