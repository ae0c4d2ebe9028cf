/**
 * An IDX file's data read straight into shared memory, a chunk at a time as the file is read (and gunzipped): neither
 * the file nor the data is ever held twice, so Fashion-MNIST's 47 MB of pixels cost 47 MB at the peak, not that plus
 * the compressed file plus a copy. For datasets kept as bytes (loadIdxPairBytes); fit's worker reads them as they are.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { describeFsError, fail, NeuroblasError } from '../errors.js';
import { sharedUint8 } from '../shared-memory.js';
import { checkIdxSize, type IdxArray, type IdxHeader, MAX_INFLATE_RATIO, parseIdxHeader } from './idx.js';
const CHUNK = 1 << 20;

function openIdx(file: string): { size: number; gz: boolean } {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const magic = Buffer.alloc(2);
      const gz = fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
      return { size: fs.fstatSync(fd).size, gz };
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
  }
}

/**
 * Reads an IDX file (plain or gzip) with readIdx's checks and messages, its data on a SharedArrayBuffer. `chunk`: the
 * bytes read (and gunzipped) at a time.
 */
export async function readIdxShared(file: string, chunk = CHUNK): Promise<IdxArray> {
  const { size, gz } = openIdx(file);
  const raw = fs.createReadStream(file, { highWaterMark: chunk });
  const stream = gz ? raw.pipe(zlib.createGunzip({ chunkSize: Math.max(chunk, zlib.constants.Z_MIN_CHUNK) })) : raw;
  if (gz) raw.on('error', (e) => stream.destroy(e));
  let head: Buffer = Buffer.alloc(0); // the first bytes, until the header is whole
  let header: IdxHeader | null = null;
  let data: Uint8Array = new Uint8Array(0);
  let found = 0; // bytes of data seen (past the header), copied while they fit
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      let rest = piece;
      if (header === null) {
        head = head.length === 0 ? piece : Buffer.concat([head, piece]);
        header = parseIdxHeader(head, file, true);
        if (header === null) continue;
        // A header may claim more than the file holds: refused when the file could not hold it at all (a plain file
        // holds its size; a gzip one at most deflate's ratio times it). Within that, pages the data never reaches are
        // never written, so never resident, and the size check at the end refuses the file.
        if (!gz) checkIdxSize(file, header, size - header.length);
        else if (header.count > size * MAX_INFLATE_RATIO)
          fail(
            'ERR_IO',
            `${file}: dimensions ${header.dims.join('×')} need ${header.count} bytes of data, more than its ${size} bytes hold`,
          );
        data = sharedUint8(header.count);
        rest = head.subarray(header.length);
      }
      if (found + rest.length <= data.length) data.set(rest, found);
      found += rest.length;
    }
  } catch (e) {
    if (e instanceof NeuroblasError) throw e;
    throw new NeuroblasError('ERR_IO', `${file}: ${gz ? 'corrupted gzip data' : 'read failed'} (${(e as Error).message})`, { cause: e });
  } finally {
    stream.destroy();
    raw.destroy();
  }
  header ??= parseIdxHeader(head, file)!; // the whole file is shorter than a header: its error
  checkIdxSize(file, header, found);
  return { dims: header.dims, data };
}
