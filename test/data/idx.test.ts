/**
 * The IDX reader (lib/data/idx.ts) on small files made here: good files plain and gzipped, and every way a
 * file can be wrong — each error an ERR_IO naming the file and the problem.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdx, readIdx } from '../../lib/data/idx.js';
import { expectError } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-idx-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An IDX file image: magic (0, 0, type, ndim), big-endian dimensions, then the bytes. */
function idxBytes(dims: number[], data: Uint8Array, type = 0x08): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, Buffer.from(data)]);
}

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 11) % 256);

describe('readIdx', () => {
  it('reads a plain images file: dimensions and bytes as written', () => {
    const file = write('images-plain', idxBytes([2, 3, 4], pixels));
    const idx = readIdx(file);
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(pixels));
  });

  it('reads the same file gzipped (detected by its magic, whatever the name)', () => {
    const file = write('images-gz', zlib.gzipSync(idxBytes([2, 3, 4], pixels)));
    const idx = readIdx(file);
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(pixels));
  });

  it('reads a labels file (one dimension)', () => {
    const idx = readIdx(write('labels.gz', zlib.gzipSync(idxBytes([5], Uint8Array.from([3, 1, 4, 1, 5])))));
    expect(idx.dims).toEqual([5]);
    expect(Array.from(idx.data)).toEqual([3, 1, 4, 1, 5]);
  });

  it('a truncated file names the file, the dimensions and the bytes found', () => {
    const file = write('truncated', idxBytes([2, 3, 4], pixels).subarray(0, 16 + 20));
    expectError(() => readIdx(file), 'ERR_IO', new RegExp(`${file}: truncated: dimensions 2×3×4 need 24 bytes of data, found 20`));
  });

  it('a truncated header is reported as such', () => {
    const file = write('short-header', idxBytes([2, 3, 4], pixels).subarray(0, 10));
    expectError(() => readIdx(file), 'ERR_IO', /short-header: truncated header \(10 of 16 bytes\)/);
  });

  it('extra bytes after the data are a size mismatch', () => {
    const file = write('too-long', Buffer.concat([idxBytes([2, 3, 4], pixels), Buffer.from([1, 2, 3])]));
    expectError(() => readIdx(file), 'ERR_IO', /too-long: size mismatch: dimensions 2×3×4 need 24 bytes of data, found 27/);
  });

  it('a wrong magic number says the file is not IDX', () => {
    const bytes = idxBytes([2, 3, 4], pixels);
    bytes[0] = 0x50; // 'P', as in a PNG or a text file
    const file = write('wrong-magic', bytes);
    expectError(() => readIdx(file), 'ERR_IO', /wrong-magic: not an IDX file \(bad magic number\)/);
  });

  it('a data type other than unsigned bytes is named', () => {
    const file = write('floats', idxBytes([1, 1], new Uint8Array(4), 0x0d));
    expectError(() => readIdx(file), 'ERR_IO', /floats: unsupported IDX data type 0xd/);
  });

  it('a zero dimension is refused', () => {
    const file = write('zero-dim', idxBytes([0, 3], new Uint8Array(0)));
    expectError(() => readIdx(file), 'ERR_IO', /zero-dim: dimension 0 is 0/);
  });

  it('a missing file and corrupted gzip data are ERR_IO naming the file', () => {
    const missing = path.join(dir, 'nope-idx3-ubyte');
    expectError(() => readIdx(missing), 'ERR_IO', new RegExp(`${missing}: no such file`));
    const gz = zlib.gzipSync(idxBytes([2, 3, 4], pixels));
    const file = write('bad.gz', gz.subarray(0, gz.length - 12));
    expectError(() => readIdx(file), 'ERR_IO', /bad\.gz: corrupted gzip data/);
  });

  it('parseIdx names its source when given one', () => {
    expectError(() => parseIdx(new Uint8Array([0, 0]), 'my-bytes'), 'ERR_IO', /my-bytes: too short to be an IDX file \(2 bytes\)/);
  });
});
