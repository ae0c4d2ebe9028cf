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

/** An IDX header: the dimensions, the data bytes they need (their product) and the header's own length. */
export interface IdxHeader {
  dims: number[];
  count: number;
  length: number;
}

/**
 * The header at the start of `bytes`. `partial`: the bytes may be only the file's first ones (a stream), so too few
 * to hold the header gives null instead of an error.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string, partial = false): IdxHeader | null {
  if (bytes.length < 4) return partial ? null : bad(file, `too short to be an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) bad(file, 'not an IDX file (bad magic number)');
  if (bytes[2] !== UNSIGNED_BYTE) bad(file, `unsupported IDX data type 0x${bytes[2].toString(16)} (only unsigned bytes, 0x08)`);
  const ndim = bytes[3];
  if (ndim < 1 || ndim > 4) bad(file, `unsupported number of dimensions ${ndim}`);
  const length = 4 + 4 * ndim;
  if (bytes.length < length) return partial ? null : bad(file, `truncated header (${bytes.length} of ${length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) bad(file, `dimension ${i} is 0`);
    dims.push(d);
    count *= d;
  }
  return { dims, count, length };
}

/** Throws unless `have` bytes of data are exactly what the header's dimensions need. */
export function checkIdxSize(file: string, h: IdxHeader, have: number): void {
  const need = `dimensions ${h.dims.join('×')} need ${h.count} bytes of data, found ${have}`;
  if (have < h.count) bad(file, `truncated: ${need}`);
  if (have > h.count) bad(file, `size mismatch: ${need}`);
}

/** Parses IDX bytes (already gunzipped). Only unsigned-byte data, the type MNIST and Fashion-MNIST use. */
export function parseIdx(bytes: Uint8Array, file = 'IDX data'): IdxArray {
  const h = parseIdxHeader(bytes, file) as IdxHeader;
  checkIdxSize(file, h, bytes.length - h.length);
  return { dims: h.dims, data: bytes.subarray(h.length) };
}

/** Deflate's largest compression ratio: no gzip member inflates to more than this many times its size. */
export const MAX_INFLATE_RATIO = 1032;

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
