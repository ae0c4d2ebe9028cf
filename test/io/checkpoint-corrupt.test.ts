/**
 * Damaged, foreign and inconsistent checkpoints: every one is refused with the library's error naming the
 * file and what is wrong — never a crash, never a silently different model. Includes every truncation
 * point class, bit flips anywhere in the file (the content checksum catches those the format cannot),
 * and files that are well-formed but wrong (written by another tool, or edited with the checksum redone).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  NeuroblasError,
  Random,
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  saveModel,
  type F32Tensor,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { expectError } from '../helpers/errors.js';
import { blobs, makeModel } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('corrupt');
const { x, y } = blobs(48);

/** A trained checkpoint with an optimizer, written once; each test damages a copy. */
const original = file('good.safetensors');
{
  const model = makeModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  await model.fit(x, y, { optimizer, epochs: 1, batchSize: 16 });
  saveModel(original, model, { optimizer, epoch: 1, metrics: { loss: 1 } });
}
const goodBytes = fs.readFileSync(original);

function writeCopy(name: string, bytes: Uint8Array): string {
  const p = file(name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** ERR_IO (or `code`) whose message starts with the file's path and matches `message`. */
function refused(p: string, message: RegExp, code: 'ERR_IO' | 'ERR_SHAPE' = 'ERR_IO'): void {
  const err = expectError(() => loadModel(p), code, message);
  expect(err.message.startsWith(`${p}: `), err.message).toBe(true);
}

/** A consistent file whose content was changed: re-encoded with a valid checksum, as another writer would. */
function edited(name: string, change: (tensors: Record<string, F32Tensor>, metadata: Record<string, string>) => void): string {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(goodBytes), original);
  const copy = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }]));
  change(copy, metadata);
  metadata[CHECKSUM_KEY] = checkpointChecksum(copy, metadata);
  return writeCopy(name, encodeSafetensors(copy, metadata));
}

describe('files that are not checkpoints', () => {
  it('bad arguments', () => {
    expectError(() => loadModel(''), 'ERR_INVALID_ARG', /path must be a non-empty string/);
    expectError(() => loadModel(original, { restore: false } as never), 'ERR_INVALID_ARG', /unknown option "restore"/);
    expectError(() => loadModel(original, { expect: {} as never }), 'ERR_INVALID_ARG', /options\.expect must be a Sequential/);
  });

  it('a missing file, a directory, an empty file', () => {
    refused(file('missing.safetensors'), /cannot read the checkpoint: no such file$/);
    refused(file(''), /cannot read the checkpoint: is a directory$/);
    refused(writeCopy('empty.safetensors', new Uint8Array(0)), /the file is empty/);
  });

  it('a PNG, and a safetensors file written by another tool (no neuroblas metadata)', () => {
    refused(
      writeCopy('image.png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])),
      /not a safetensors file/,
    );
    const foreign = writeCopy(
      'hf.safetensors',
      encodeSafetensors({ 'linear.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) } }, { format: 'pt' }),
    );
    refused(foreign, /a safetensors file, but not a neuroblas checkpoint \(metadata "format" is "pt"/);
  });
});

describe('damaged checkpoints', () => {
  it('truncated anywhere: inside the length field, the header, the weights, the optimizer state', () => {
    for (const cut of [3, 8, 20, 200, goodBytes.length / 2, goodBytes.length - 100, goodBytes.length - 1].map(Math.floor)) {
      const p = writeCopy(`cut-${cut}.safetensors`, goodBytes.subarray(0, cut));
      const err = expectError(() => loadModel(p), 'ERR_IO');
      expect(err.message, `cut at ${cut}`).toMatch(/too short|header length says|truncated/);
    }
  });

  it('any flipped bit, in the header or in the data, is caught (seeded sample of 400 positions plus the whole length field)', () => {
    const rng = new Random(17);
    const bits = [...Array.from({ length: 64 }, (_, i) => i), ...Array.from({ length: 400 }, () => rng.int(goodBytes.length * 8))];
    const p = file('flipped.safetensors');
    const unexpected: string[] = [];
    for (const bit of bits) {
      const bytes = Buffer.from(goodBytes);
      bytes[bit >> 3] ^= 1 << (bit & 7);
      fs.writeFileSync(p, bytes);
      try {
        loadModel(p, { restoreRandom: false });
        unexpected.push(`bit ${bit}: loaded without error`);
      } catch (e) {
        if (!(e instanceof NeuroblasError) || e.code !== 'ERR_IO' || !e.message.startsWith(`${p}: `))
          unexpected.push(`bit ${bit}: ${String(e)}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('a flipped weight reports the checksum', () => {
    const bytes = Buffer.from(goodBytes);
    bytes[bytes.length - 2] ^= 0x10;
    refused(writeCopy('weight-bit.safetensors', bytes), /the content does not match its checksum \(checksum_sha256\): corrupted/);
  });
});

describe('well-formed files with wrong content (checksum redone)', () => {
  it('an architecture that cannot be built names the layer entry', () => {
    refused(
      edited('arch-type.safetensors', (_, m) => {
        const arch = JSON.parse(m.architecture);
        arch.layers[1].type = 'BatchNorm9d';
        m.architecture = JSON.stringify(arch);
      }),
      /the saved architecture cannot be built: architecture: layers\[1\]: unknown layer type "BatchNorm9d"/,
    );
    refused(
      edited('arch-json.safetensors', (_, m) => {
        m.architecture = '{"type": "Sequential", "layers": [';
      }),
      /metadata "architecture" is not valid JSON/,
    );
  });

  it('an architecture that disagrees with the weights', () => {
    refused(
      edited('arch-shape.safetensors', (_, m) => {
        m.architecture = m.architecture
          .replace('"out":16', '"out":17')
          .replace('"numFeatures":16', '"numFeatures":17')
          .replace('"in":16', '"in":17');
      }),
      /weight "0\.weight" has shape \[6, 16\], the model needs \[6, 17\]/,
    );
  });

  it('missing, extra and non-finite weights', () => {
    refused(
      edited('missing.safetensors', (t) => {
        delete t['3.bias'];
      }),
      /weight "3\.bias" is missing/,
    );
    refused(
      edited('extra.safetensors', (t) => {
        t['9.weight'] = { dtype: 'F32', shape: [1], data: new Float32Array(1) };
      }),
      /tensor "9\.weight" is not a weight of the model/,
    );
    refused(
      edited('nan.safetensors', (t) => {
        t['1.running_var'].data[2] = NaN;
      }),
      /weight "1\.running_var" holds NaN at index 2: corrupted/,
    );
  });

  it('optimizer state that does not fit', () => {
    refused(
      edited('opt-type.safetensors', (_, m) => {
        m.optimizer = m.optimizer.replace('"type":"adam"', '"type":"lbfgs"');
      }),
      /the saved optimizer has type "lbfgs"/,
    );
    refused(
      edited('opt-proto.safetensors', (_, m) => {
        m.optimizer = m.optimizer.replace('"type":"adam"', '"type":"constructor"');
      }),
      /the saved optimizer has type "constructor"/,
    );
    refused(
      edited('opt-param.safetensors', (_, m) => {
        m.optimizer = m.optimizer.replace('"0.weight"', '"7.weight"');
      }),
      /the saved optimizer updates parameter "7\.weight", which the model does not have/,
    );
    refused(
      edited('opt-buffer.safetensors', (t) => {
        t['optimizer.0.m'] = { dtype: 'F32', shape: [3], data: new Float32Array(3) };
      }),
      /the saved optimizer state cannot be restored .*buffer '0\.m' has 3 elements/,
    );
    refused(
      edited('opt-orphan.safetensors', (_, m) => {
        delete m.optimizer;
      }),
      /optimizer tensors without "optimizer" metadata/,
    );
  });

  it('a newer format, a bad epoch, bad metrics, a bad generator state', () => {
    refused(
      edited('newer.safetensors', (_, m) => {
        m.format_version = '7';
      }),
      /written by a newer neuroblas .*format 7.*reads format 1/,
    );
    refused(
      edited('epoch.safetensors', (_, m) => {
        m.epoch = 'three';
      }),
      /metadata "epoch" is "three"/,
    );
    refused(
      edited('metrics.safetensors', (_, m) => {
        m.metrics = '{"loss": "low"}';
      }),
      /metadata "metrics" is not an object of numbers/,
    );
    refused(
      edited('random.safetensors', (_, m) => {
        m.random = '{"s": [0, 0, 0, 0], "spare": null}';
      }),
      /metadata "random" is not a generator state/,
    );
    refused(
      edited('no-random.safetensors', (_, m) => {
        delete m.random;
      }),
      /the metadata has no "random" entry/,
    );
  });

  it('a refused file changes nothing: not the model given as expect, not the generator', () => {
    const p = edited('late-failure.safetensors', (_, m) => {
      m.optimizer = m.optimizer.replace('"type":"adam"', '"type":"lbfgs"');
    });
    const target = makeModel(5);
    const before = target.getWeights();
    const rng = new Random(3);
    const rngBefore = rng.getState();
    expectError(() => loadModel(p, { expect: target, random: rng }), 'ERR_IO');
    expect(target.getWeights()).toEqual(before);
    expect(rng.getState()).toEqual(rngBefore);
  });
});
