/**
 * Bad ONNX files: truncated, corrupted, foreign, or well-formed but asking for what neuroblas cannot do (an operator, an
 * attribute), inconsistent (a cycle, a missing initializer) or crafted (dims far beyond the bytes the file holds). Each is
 * a NeuroblasError whose message starts with the file's path and says what is wrong: never a crash, a hang or a large
 * allocation. Then a few hundred seeded mutations of a good file: each imports or is refused that way.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Dense,
  Embedding,
  LSTM,
  Flatten,
  MaxPool2d,
  NeuroblasError,
  Random,
  ReLU,
  Sequential,
  Tensor,
  Unflatten,
  encodeOnnx,
  encodeSafetensors,
  importOnnx,
  manualSeed,
  type ErrorCode,
} from '../../lib/index.js';
import { decodeModel, encodeModel, type ModelProto } from '../../lib/io/onnx/proto.js';
import { expectError } from '../helpers/errors.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('onnx-bad');
manualSeed(1);
const mlp = new Sequential([new Dense(6, 5, { activation: 'relu' }), new Dense(5, 3)]);
const goodBytes = encodeOnnx(mlp).bytes;
const cnn = new Sequential([new Unflatten([1, 8, 8]), new Conv2d(1, 2, 3), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(18, 3)]);
const cnnBytes = encodeOnnx(cnn).bytes;
const rnn = new Sequential([
  new Embedding(10, 4, { paddingIdx: 0 }),
  new LSTM(4, 3, { bidirectional: true, returns: 'lastStep' }),
  new Dense(6, 2),
]);
const rnnBytes = encodeOnnx(rnn, { inputShape: [5] }).bytes;

function write(name: string, bytes: Uint8Array): string {
  const p = file(name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** The error for `p`, with `code`, its message starting with the path and matching `message`. */
function refused(p: string, message: RegExp, code: ErrorCode = 'ERR_IO'): NeuroblasError {
  const err = expectError(() => importOnnx(p), code, message);
  expect(err.message.startsWith(`${p}: `), err.message).toBe(true);
  return err;
}

/** A copy of a good model's message, changed by `edit`, written as `name`. */
function edited(name: string, edit: (m: ModelProto) => void, bytes = goodBytes): string {
  const m = decodeModel(bytes);
  edit(m);
  return write(name, encodeModel(m));
}

describe('files that are not ONNX models', () => {
  it('a missing file, a directory, an empty file, a bad argument', () => {
    refused(file('missing.onnx'), /cannot read the ONNX model: no such file$/);
    refused(file(''), /cannot read the ONNX model: is a directory$/);
    refused(write('empty.onnx', new Uint8Array(0)), /the file is empty/);
    expectError(() => importOnnx(''), 'ERR_INVALID_ARG', /path must be a non-empty string/);
  });

  it('a PNG, a safetensors checkpoint, JSON text, random bytes', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    refused(write('image.png', png), /not an ONNX model/);
    const st = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array(2) } }, { format: 'pt' });
    refused(write('model.safetensors', st), /not an ONNX model/);
    refused(write('model.json', new TextEncoder().encode('{"type": "Sequential", "layers": []}')), /not an ONNX model/);
    const rng = new Random(9);
    refused(
      write(
        'random.bin',
        Uint8Array.from({ length: 4096 }, () => rng.int(256)),
      ),
      /not an ONNX model/,
    );
  });

  it('truncated anywhere', () => {
    for (const cut of [1, 2, 5, 20, 100, goodBytes.length >> 1, goodBytes.length - 10, goodBytes.length - 1]) {
      refused(
        write(`cut-${cut}.onnx`, goodBytes.subarray(0, cut)),
        /not an ONNX model|no graph|cannot import|holds|reads|no output|imports no/,
      );
    }
  });
});

describe('well-formed models neuroblas cannot map', () => {
  it('an unsupported operator is named (the first one on the chain)', () => {
    const p = edited('cos.onnx', (m) => {
      const relu = m.graph?.node?.find((n) => n.op_type === 'Relu');
      if (relu) relu.op_type = 'Cos';
    });
    refused(p, /node "[^"]+" \(Cos\): operator Cos is not supported \(neuroblas maps .*Gemm/, 'ERR_UNSUPPORTED');
  });

  it('an unsupported attribute is named with its value', () => {
    const group = edited(
      'group.onnx',
      (m) => {
        const conv = m.graph?.node?.find((n) => n.op_type === 'Conv');
        const g = conv?.attribute?.find((a) => a.name === 'group');
        if (g) g.i = 2;
      },
      cnnBytes,
    );
    refused(group, /\(Conv\): attribute "group" = 2 is not supported \(grouped convolutions\)/, 'ERR_UNSUPPORTED');
    const ceil = edited(
      'ceil.onnx',
      (m) => {
        const pool = m.graph?.node?.find((n) => n.op_type === 'MaxPool');
        const a = pool?.attribute?.find((x) => x.name === 'ceil_mode');
        if (a) a.i = 1;
      },
      cnnBytes,
    );
    refused(ceil, /\(MaxPool\): attribute "ceil_mode" = 1 is not supported/, 'ERR_UNSUPPORTED');
    const unknown = edited('relu-attr.onnx', (m) => {
      m.graph?.node?.find((n) => n.op_type === 'Relu')?.attribute?.push({ name: 'foo', type: 2, i: 1 });
    });
    refused(unknown, /\(Relu\): attribute "foo" is not supported by neuroblas's relu/, 'ERR_UNSUPPORTED');
    const transA = edited('trans-a.onnx', (m) => {
      m.graph?.node?.[0].attribute?.push({ name: 'transA', type: 2, i: 1 });
    });
    refused(transA, /\(Gemm\): attribute "transA" = 1 is not supported/, 'ERR_UNSUPPORTED');
  });

  it('another operator domain, another opset, two inputs, a non-float input', () => {
    refused(
      edited('domain.onnx', (m) => {
        const relu = m.graph?.node?.find((n) => n.op_type === 'Relu');
        if (relu) relu.domain = 'com.microsoft';
      }),
      /operator domain "com.microsoft" is not supported/,
      'ERR_UNSUPPORTED',
    );
    refused(
      edited('opset.onnx', (m) => {
        m.opset_import = [{ domain: '', version: 99 }];
      }),
      /opset 99 is not supported/,
      'ERR_UNSUPPORTED',
    );
    refused(
      edited('two-inputs.onnx', (m) => {
        const input = m.graph?.input?.[0];
        if (input) m.graph?.input?.push({ ...input, name: 'second' });
      }),
      /the graph has 2 inputs/,
      'ERR_UNSUPPORTED',
    );
    refused(
      edited('double-input.onnx', (m) => {
        const t = m.graph?.input?.[0].type?.tensor_type;
        if (t) t.elem_type = 11;
      }),
      /input "input" is DOUBLE; neuroblas takes FLOAT inputs/,
      'ERR_UNSUPPORTED',
    );
    refused(
      edited('int-input.onnx', (m) => {
        const t = m.graph?.input?.[0].type?.tensor_type;
        if (t) t.elem_type = 7;
      }),
      /the input is integer \(token ids\) but the first layer is Dense, not an Embedding/,
      'ERR_UNSUPPORTED',
    );
  });
});

describe('inconsistent or crafted graphs', () => {
  it('a cycle', () => {
    const p = edited('cycle.onnx', (m) => {
      const nodes = m.graph?.node ?? [];
      nodes[0].input = [nodes.at(-1)?.output?.[0] ?? '', ...(nodes[0].input ?? []).slice(1)];
    });
    refused(p, /the graph has a cycle \(through node .*\): its nodes have no order/);
  });

  it('a missing initializer', () => {
    const p = edited('missing-init.onnx', (m) => {
      if (m.graph) m.graph.initializer = m.graph.initializer?.filter((t) => t.name !== '0.weight');
    });
    refused(p, /\(Gemm\) reads "0\.weight", which no node, initializer or input gives \(a missing initializer\?\)/);
  });

  it('huge declared dims: refused at once, nothing allocated for them', () => {
    const before = process.memoryUsage().rss;
    const huge = (dims: number[]) => (m: ModelProto) => {
      const w = m.graph?.initializer?.find((t) => t.name === '0.weight');
      if (w) w.dims = dims;
    };
    refused(edited('huge-1.onnx', huge([100000, 100000])), /tensor "0\.weight" declares dims \[100000, 100000\], more than 2147483647/);
    refused(
      edited('huge-2.onnx', huge([60000, 30000])),
      /tensor "0\.weight" declares dims \[60000, 30000\] \(1800000000 floats\) but holds 120 bytes/,
    );
    refused(edited('huge-3.onnx', huge([6, -5])), /tensor "0\.weight" has dims \[6, -5\]: not sizes/);
    refused(
      edited('huge-input.onnx', (m) => {
        const dim = m.graph?.input?.[0].type?.tensor_type?.shape?.dim;
        if (dim) dim[1] = { dim_value: 1e12 };
      }),
      /input "input" declares dims \[1000000000000\], more than/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });

  it('weights that are not finite, a Gemm on a weight of the wrong width, a graph whose output is never reached', () => {
    refused(
      edited('nan.onnx', (m) => {
        const w = m.graph?.initializer?.find((t) => t.name === '0.bias');
        if (w?.raw_data) w.raw_data = new Uint8Array(new Float32Array([Number.NaN, 0, 0, 0, 0]).buffer);
      }),
      /tensor "0\.bias" holds NaN at index 0: weights must be finite/,
    );
    refused(
      edited('width.onnx', (m) => {
        const dim = m.graph?.input?.[0].type?.tensor_type?.shape?.dim;
        if (dim) dim[1] = { dim_value: 7 };
      }),
      /weight "0\.weight" takes 6 features, the input has 7/,
    );
    refused(
      edited('nowhere.onnx', (m) => {
        const out = m.graph?.output?.[0];
        if (out) out.name = 'elsewhere';
      }),
      /is read by no node, and the output "elsewhere" is not reached/,
    );
  });
});

describe('a few hundred seeded mutations of a good file', () => {
  it('each imports (and predicts) or is a NeuroblasError naming the file', () => {
    const rng = new Random(23);
    const p = file('mutated.onnx');
    const unexpected: string[] = [];
    let refusedCount = 0;
    for (let trial = 0; trial < 450; trial++) {
      const bytes = Uint8Array.from([goodBytes, cnnBytes, rnnBytes][trial % 3]);
      const kind = trial % 4;
      let mutated: Uint8Array = bytes;
      if (kind === 0) bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
      else if (kind === 1) for (let k = 0; k < 4; k++) bytes[rng.int(bytes.length)] = rng.int(256);
      else if (kind === 2) mutated = bytes.subarray(0, rng.int(bytes.length));
      else {
        const at = rng.int(bytes.length);
        mutated = Uint8Array.from([...bytes.subarray(0, at), rng.int(256), ...bytes.subarray(at + rng.int(3))]);
      }
      fs.writeFileSync(p, mutated);
      try {
        const model = importOnnx(p);
        const width = [6, 64, 5][trial % 3];
        model.eval();
        model.predict(
          new Tensor(
            Float32Array.from({ length: 2 * width }, (_, i) => i % 3),
            [2, width],
          ),
        );
      } catch (e) {
        refusedCount++;
        const ok = e instanceof NeuroblasError && e.message.startsWith(`${p}: `) && ['ERR_IO', 'ERR_UNSUPPORTED'].includes(e.code);
        if (!ok) unexpected.push(`trial ${trial} (kind ${kind}): ${String(e)}`);
      }
    }
    expect(unexpected).toEqual([]);
    expect(refusedCount).toBeGreaterThan(100);
  });
});
