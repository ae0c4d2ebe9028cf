/**
 * readIdxShared: an IDX file read into shared memory as it streams (the byte loaders' reader) gives readIdx's data and,
 * for every malformed file, readIdx's error, plain and gzip, whatever the chunk size (a header split across chunks
 * included); a header claiming more data than the file could hold is refused before anything is allocated for it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readIdx } from '../../lib/data/idx.js';
import { readIdxShared } from '../../lib/data/idx-shared.js';
import type { NeuroblasError } from '../../lib/index.js';
import { rejection } from '../helpers/async.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-idx-shared-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function header(dims: number[]): number[] {
  const out = [0, 0, 8, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return out;
}

/** The same content as a plain file and as a gzip file. */
function write(name: string, bytes: number[]): string[] {
  const plain = path.join(dir, name);
  fs.writeFileSync(plain, Uint8Array.from(bytes));
  fs.writeFileSync(`${plain}.gz`, zlib.gzipSync(Uint8Array.from(bytes)));
  return [plain, `${plain}.gz`];
}

function syncError(file: string): NeuroblasError {
  try {
    readIdx(file);
  } catch (e) {
    return e as NeuroblasError;
  }
  throw new Error(`readIdx(${file}) did not throw`);
}

describe('readIdxShared', () => {
  const pixels = Array.from({ length: 3 * 5 * 7 }, (_, i) => (i * 31) % 256);

  it.each([1, 5, 64, 1 << 20])('reads readIdx’s dims and data onto shared memory, %i bytes at a time', async (chunk) => {
    for (const file of write('ok', [...header([3, 5, 7]), ...pixels])) {
      const got = await readIdxShared(file, chunk);
      const want = readIdx(file);
      expect(got.dims).toEqual(want.dims);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
      expect(got.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it.each([
    ['too short', [0, 0]],
    ['bad magic', [1, 0, 8, 1, 0, 0, 0, 1, 9]],
    ['wrong type', [0, 0, 9, 1, 0, 0, 0, 1, 9]],
    ['truncated header', [0, 0, 8, 3, 0, 0, 0, 1]],
    ['truncated data', [...header([3, 4]), 1, 2, 3, 4, 5]],
    ['too much data', [...header([2, 2]), 1, 2, 3, 4, 5]],
  ])('%s: readIdx’s error, plain and gzip, whatever the chunk size', async (name, bytes) => {
    for (const file of write(name.replace(/ /g, '-'), bytes)) {
      const want = syncError(file);
      for (const chunk of [3, 1 << 20]) {
        const e = await rejection(readIdxShared(file, chunk));
        expect([e.code, e.message]).toEqual([want.code, want.message]);
      }
    }
  });

  it('a header that claims more than the file could hold is ERR_IO before the data is allocated', async () => {
    const [plain, gz] = write('claims', [...header([4000, 4000, 4000]), 1, 2, 3]);
    expect((await rejection(readIdxShared(plain))).message).toBe(syncError(plain).message); // "truncated: …, found 3"
    const e = await rejection(readIdxShared(gz));
    expect(e.code).toBe('ERR_IO');
    expect(e.message).toMatch(/dimensions 4000×4000×4000 need 64000000000 bytes of data, more than its \d+ bytes hold/);
  });

  it('corrupted gzip data and a missing file: readIdx’s kind of error, naming the file', async () => {
    const file = path.join(dir, 'corrupt.gz');
    const gz = zlib.gzipSync(Uint8Array.from([...header([50]), ...pixels.slice(0, 50)]));
    gz.fill(0x55, 12, gz.length - 8);
    fs.writeFileSync(file, gz);
    expect(syncError(file).message).toMatch(/corrupted gzip data/);
    expect((await rejection(readIdxShared(file))).message).toMatch(new RegExp(`${file}: corrupted gzip data`));
    const missing = path.join(dir, 'missing');
    expect((await rejection(readIdxShared(missing))).message).toBe(syncError(missing).message);
  });
});
