/**
 * exportOnnx then importOnnx gives the same network: every layer type maps back (Dropout, left out of the export, is the
 * one exception), the predictions are identical, the imported model trains and saves; and exportOnnx's own checks.
 */
import protobuf from 'protobufjs';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GELU,
  Hardsigmoid,
  Layer,
  LeakyReLU,
  MaxPool2d,
  Mish,
  ReLU6,
  SELU,
  SGD,
  Sequential,
  SiLU,
  Softsign,
  Tensor,
  Unflatten,
  encodeOnnx,
  exportOnnx,
  importOnnx,
  loadModel,
  manualSeed,
  readOnnx,
  saveModel,
} from '../../lib/index.js';
import { ONNX_DESCRIPTOR } from '../../lib/io/onnx/onnx-descriptor.js';
import { decodeModel } from '../../lib/io/onnx/proto.js';
import { expectError } from '../helpers/errors.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('onnx-roundtrip');

function everyLayer(): Sequential {
  manualSeed(7);
  return new Sequential([
    new Unflatten([1, 12, 12]),
    new Conv2d(1, 4, 3, { padding: 1, stride: 1, dilation: 1 }),
    new BatchNorm2d(4, { eps: 1e-3, momentum: 0.2 }),
    new LeakyReLU(0.1),
    new MaxPool2d(2),
    new Conv2d(4, 3, [3, 2], { bias: false }),
    new ELU(0.5),
    new AvgPool2d(2, { stride: 1, padding: 1 }),
    new Flatten(),
    new Dense(3 * 5 * 6, 16, { activation: 'gelu_tanh' }),
    new GELU(),
    new SiLU(),
    new Mish(),
    new SELU(),
    new Softsign(),
    new Hardsigmoid(),
    new ReLU6(),
    new BatchNorm1d(16, { affine: false }),
    new Dropout(0.25),
    new Dense(16, 5, { useBias: false }),
  ]);
}

describe('export then import', () => {
  it('gives the same layers (Dropout aside), the same weights and predictions', () => {
    const model = everyLayer().eval();
    const p = file('every.onnx');
    exportOnnx(model, p);
    const back = importOnnx(p).eval();
    const types = (m: Sequential) => m.layers.map((l) => l.type);
    // Dense's fused activation comes back as its own layer; Dropout is not exported.
    const expected = types(model).filter((t) => t !== 'Dropout');
    expected.splice(expected.indexOf('Dense') + 1, 0, 'GELU');
    expect(types(back)).toEqual(expected);
    const rows = 3;
    const x = new Tensor(
      Float32Array.from({ length: rows * 144 }, (_, i) => Math.sin(i)),
      [rows, 144],
    );
    // BatchNorm1d without affine comes back with its constant scale 1 and bias 0 as trainable parameters.
    const bn = back.layers.find((l) => l.type === 'BatchNorm1d');
    expect(bn?.namedParameters().map(([name, t]) => [name, [...new Set(t.data)]])).toEqual([
      ['weight', [1]],
      ['bias', [0]],
    ]);
    const [a, b] = [back.predict(x).data, model.predict(x).data];
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThanOrEqual(1e-6); // OpenBLAS may round differently
  });

  it('the imported model trains and saves', async () => {
    const p = file('mlp.onnx');
    manualSeed(8);
    exportOnnx(new Sequential([new Dense(4, 8, { activation: 'tanh' }), new Dense(8, 2)]), p);
    const model = importOnnx(p);
    const x = new Tensor(
      Float32Array.from({ length: 64 * 4 }, (_, i) => Math.cos(i * 0.7)),
      [64, 4],
    );
    const y = Int32Array.from({ length: 64 }, (_, i) => (Math.cos(i * 2.8) > 0 ? 1 : 0));
    const history = await model.fit(x, y, { optimizer: new SGD(model.parameters(), { lr: 0.5 }), epochs: 20, batchSize: 16 });
    expect(history.at(-1)?.loss).toBeLessThan(history[0].loss);
    saveModel(file('mlp.safetensors'), model);
    expect(loadModel(file('mlp.safetensors')).model.predict(x).data).toEqual(model.predict(x).data);
  });

  it('a dynamic batch, weights as initializers only, the probabilities output (sigmoid for one output)', () => {
    const model = new Sequential([new Dense(3, 1)]);
    const m = decodeModel(encodeOnnx(model, { probabilities: true }).bytes);
    const graph = m.graph ?? {};
    expect(graph.input?.map((v) => v.name)).toEqual(['input']);
    expect(graph.initializer?.map((t) => t.name)).toEqual(['0.weight', '0.bias']); // state_dict names
    expect(graph.input?.[0].type?.tensor_type?.shape?.dim?.[0]).toEqual({ dim_param: 'batch' });
    expect(graph.output?.map((v) => v.name)).toEqual(['logits', 'probabilities']);
    expect(graph.node?.at(-1)?.op_type).toBe('Sigmoid');
    expect(readOnnx(writeBytes('one.onnx', encodeOnnx(model, { probabilities: true }).bytes)).model.layers.length).toBe(1);
  });
});

function writeBytes(name: string, bytes: Uint8Array): string {
  fs.writeFileSync(file(name), bytes);
  return file(name);
}

describe("exportOnnx's checks", () => {
  it('refuses bad options, layers without a mapping, a missing input shape, probabilities twice', () => {
    const model = new Sequential([new Dense(3, 2)]);
    expectError(() => exportOnnx(model, file('x.onnx'), { opset: 12 }), 'ERR_INVALID_ARG', /opset must be an integer from 13 to 17/);
    expectError(() => exportOnnx(model, file('x.onnx'), { opst: 13 } as never), 'ERR_INVALID_ARG', /did you mean "opset"/);
    expectError(() => exportOnnx(model, ''), 'ERR_INVALID_ARG', /path must be a non-empty string/);
    expectError(() => exportOnnx(model, file('x.onnx'), { inputShape: [4] }), 'ERR_SHAPE', /expected input with 3 features, got 4/);
    expectError(
      () => exportOnnx(new Sequential([new Conv2d(1, 2, 3)]), file('x.onnx')),
      'ERR_INVALID_ARG',
      /give inputShape \(one sample's shape/,
    );
    class Custom extends Layer {
      readonly type = 'Custom';
      outputShape(s: number[]): number[] {
        return s;
      }
    }
    expectError(
      () => exportOnnx(new Sequential([new Dense(3, 2), new Custom('custom')]), file('x.onnx')),
      'ERR_UNSUPPORTED',
      /custom_1: Custom layers have no ONNX mapping \(mapped: .*Dense/,
    );
    expectError(
      () => exportOnnx(new Sequential([new Dense(3, 2, { activation: 'softmax' })]), file('x.onnx'), { probabilities: true }),
      'ERR_INVALID_ARG',
      /already ends in softmax/,
    );
    expectError(() => exportOnnx(model, file('x.onnx'), { metadata: { classes: 'a' } }), 'ERR_INVALID_ARG', /use the classes option/);
    expect(fs.existsSync(file('x.onnx'))).toBe(false);
  });
});

describe('the vendored ONNX schema', () => {
  it('is the official onnx.proto (python3-onnx) as protobufjs reads it', () => {
    const official = '/usr/lib/python3/dist-packages/onnx/onnx.proto';
    expect(fs.existsSync(official), 'install python3-onnx (npm run setup does)').toBe(true);
    const { root } = protobuf.parse(fs.readFileSync(official, 'utf8'), { keepCase: true });
    expect(ONNX_DESCRIPTOR).toEqual(root.toJSON());
  });
});
