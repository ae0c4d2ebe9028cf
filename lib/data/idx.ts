/**
 * IDX files (the MNIST format): a 4-byte magic (0, 0, type, number of dimensions), the dimensions as big-endian
 * uint32, then the data. Plain or gzip. Every check names the file and the problem.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { NeuroblasError, describeFsError, fail } from '../errors.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

function bad(file: string, problem: string): never {
  fail('ERR_IO', `${file}: ${problem}`);
}

/** Parses IDX bytes (already gunzipped). Only unsigned-byte data, the type MNIST and Fashion-MNIST use. */
export function parseIdx(bytes: Uint8Array, file = 'IDX data'): IdxArray {
  if (bytes.length < 4) bad(file, `too short to be an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) bad(file, 'not an IDX file (bad magic number)');
  if (bytes[2] !== UNSIGNED_BYTE) bad(file, `unsupported IDX data type 0x${bytes[2].toString(16)} (only unsigned bytes, 0x08)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) bad(file, `unsupported number of dimensions ${ndim}`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) bad(file, `truncated header (${bytes.length} of ${header} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) bad(file, `dimension ${i} is 0`);
    dims.push(d);
    count *= d;
  }
  const have = bytes.length - header;
  if (have < count) bad(file, `truncated: dimensions ${dims.join('×')} need ${count} bytes of data, found ${have}`);
  if (have > count) bad(file, `size mismatch: dimensions ${dims.join('×')} need ${count} bytes of data, found ${have}`);
  return { dims, data: bytes.subarray(header) };
}

/** Deflate's largest compression ratio: no gzip member inflates to more than this many times its size. */
const MAX_INFLATE_RATIO = 1032;

/**
 * zlib's output chunk for `raw`: one byte more than the size its gzip trailer states (the last 4 bytes, mod 2^32), so
 * the data comes out in one chunk and is not copied again to join chunks (47 MB fewer at the peak for Fashion-MNIST).
 * Only a hint: a trailer that understates gives several chunks, joined as usual; one that overstates is capped at what
 * deflate could hold, and reserves pages that are never written (so never resident).
 */
function gunzipChunkSize(raw: Buffer): number {
  if (raw.length < 18) return zlib.constants.Z_DEFAULT_CHUNK;
  const stated = raw.readUInt32LE(raw.length - 4);
  return Math.max(zlib.constants.Z_MIN_CHUNK, Math.min(stated + 1, raw.length * MAX_INFLATE_RATIO));
}

/** Reads an IDX file, gunzipping it when it starts with the gzip magic. */
export function readIdx(file: string): IdxArray {
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
  }
  let bytes: Uint8Array = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(raw, { chunkSize: gunzipChunkSize(raw) });
    } catch (e) {
      throw new NeuroblasError('ERR_IO', `${file}: corrupted gzip data (${(e as Error).message})`, { cause: e });
    }
  }
  return parseIdx(bytes, file);
}
