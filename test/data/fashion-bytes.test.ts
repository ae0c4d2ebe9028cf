/**
 * IDX pairs and Fashion-MNIST with the pixels kept as bytes (issue 15): the same rows, labels and checks as the float
 * loaders, the bytes on shared memory (fit's worker reads them without a copy), and bytes · scale, as a ByteTensor
 * converts them, exactly the float loaders' values.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BYTE_SCALE, FASHION_CLASSES, FASHION_MNIST_DIR, loadFashionMnistBytes, loadIdxPair, loadIdxPairBytes } from '../../lib/index.js';
import { rejection } from '../helpers/async.js';
import { idxFile } from '../helpers/idx-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-bytes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every byte times the scale, rounded to float32 as the gatherByteRows kernel does, equals the float loader's value. */
function expectSameValues(bytes: Uint8Array, scale: number, floats: Float32Array): void {
  expect(bytes.length).toBe(floats.length);
  let differ = 0;
  for (let i = 0; i < bytes.length; i++) if (Math.fround(bytes[i] * scale) !== floats[i]) differ++;
  expect(differ).toBe(0);
}

describe('loadIdxPairBytes', () => {
  it('reads the bytes as they are, on shared memory, with scale 1/255 meaning the float loader’s values', async () => {
    const pixels = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(idxFile([5, 3, 3], pixels)));
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxFile([5], Uint8Array.from([2, 0, 1, 1, 0])));
    const b = await loadIdxPairBytes(dir, 'train');
    const f = loadIdxPair(dir, 'train');
    expect(Array.from(b.x)).toEqual(Array.from(pixels));
    expect(b.x.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.scale).toBe(BYTE_SCALE);
    expectSameValues(b.x, b.scale, f.x);
    const { x: _bx, scale: _s, ...bRest } = b;
    const { x: _fx, ...fRest } = f;
    expect(bRest).toEqual(fRest);
    expect(b.y.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('checks what the float loader checks: labels that do not match the images, a missing file or directory', async () => {
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxFile([2, 2, 2], new Uint8Array(8)));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxFile([3], new Uint8Array(3)));
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => loadIdxPairBytes(dir, 't10k'), /t10k-labels-idx1-ubyte: 3 labels for 2 images/],
      [() => loadIdxPairBytes(dir, 'nope'), /nope-images-idx3-ubyte\[\.gz\] not found/],
      [() => loadFashionMnistBytes(path.join(dir, 'no-such-dir')), /not found; install it with `apt-get install dataset-fashion-mnist`/],
    ];
    for (const [load, message] of cases) {
      const e = await rejection(load());
      expect(e.code).toBe('ERR_IO');
      expect(e.message).toMatch(message);
    }
  });

  // Debian's dataset-fashion-mnist (npm run setup); the test set only, to keep it quick.
  it.skipIf(!fs.existsSync(FASHION_MNIST_DIR))('Fashion-MNIST’s test set as bytes is the float form ×255, value for value', async () => {
    const b = await loadIdxPairBytes(FASHION_MNIST_DIR, 't10k', FASHION_CLASSES);
    const f = loadIdxPair(FASHION_MNIST_DIR, 't10k', FASHION_CLASSES);
    expect([b.rows, b.features, b.classes, b.classNames]).toEqual([10_000, 784, 10, FASHION_CLASSES]);
    expect(b.y).toEqual(f.y);
    expectSameValues(b.x, b.scale, f.x);
  });
});
