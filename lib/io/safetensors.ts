/**
 * The safetensors format (https://github.com/huggingface/safetensors), the one PyTorch and Hugging Face
 * tools read, for float32 tensors:
 *
 *   [8 bytes: N, unsigned little-endian]  [N bytes: UTF-8 JSON header]  [byte buffer]
 *
 * The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end) }`, offsets relative to
 * the byte buffer, plus an optional `__metadata__` object of string → string. The header may be padded
 * with spaces; we pad it so the buffer starts at a multiple of 8 (aligned reads). Tensors are laid out
 * sorted by name, each one's values in little-endian float32, row-major.
 *
 * Decoding trusts nothing: a file is checked against the format before any tensor is built (header length
 * against the file size, the JSON, every entry, offsets within the buffer, tensors neither overlapping nor
 * leaving holes, shape × 4 bytes = byte length), and every problem is an ERR_IO naming the file and what is wrong.
 */
import { NeuroblasError, fail } from '../errors.js';
import { isPlainObject } from '../plain-data.js';

export interface F32Tensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

export interface Safetensors {
  tensors: Record<string, F32Tensor>;
  metadata: Record<string, string>;
}

/** Every dtype the format defines, so a file with another one is named as such rather than as garbage. */
const KNOWN_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
/** The reference implementation refuses headers above 100 MB; a larger length means a foreign or corrupted file. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function shapeProduct(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The tensor's values as little-endian bytes (a view when the machine is little-endian, as x86 and ARM Linux are). */
function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}

/** Serializes float32 tensors and string metadata into one safetensors file image. */
export function encodeSafetensors(
  tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (!isPlainObject(tensors)) fail('ERR_INVALID_ARG', 'encodeSafetensors: tensors must be an object of { dtype, shape, data }');
  if (!isPlainObject(metadata)) fail('ERR_INVALID_ARG', 'encodeSafetensors: metadata must be an object of strings');
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      fail(
        'ERR_INVALID_ARG',
        `encodeSafetensors: metadata "${key}" must be a string (the format allows only strings), got ${typeof value}`,
      );
  }
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) fail('ERR_INVALID_ARG', `encodeSafetensors: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    const t = tensors[name];
    if (!isPlainObject(t) || t.dtype !== 'F32')
      fail('ERR_INVALID_ARG', `encodeSafetensors: tensor "${name}" must be { dtype: 'F32', shape, data }`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail('ERR_INVALID_ARG', `encodeSafetensors: tensor "${name}" has shape ${JSON.stringify(t.shape)}; expected non-negative integers`);
    }
    if (!(t.data instanceof Float32Array) || t.data.length !== shapeProduct(t.shape)) {
      fail(
        'ERR_SHAPE',
        `encodeSafetensors: tensor "${name}" has shape [${t.shape.join(', ')}] but ` +
          `${t.data instanceof Float32Array ? `${t.data.length} values` : 'no Float32Array data'}`,
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8; // spaces pad the buffer start to 8 bytes
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    out.set(littleEndianBytes(tensors[name].data), at);
    at += tensors[name].data.byteLength;
  }
  return out;
}

/** The float32 values at bytes [start, end) of `bytes`: a view when aligned, a copy otherwise. */
function readF32(bytes: Uint8Array, start: number, end: number): Float32Array {
  const count = (end - start) / 4;
  const at = bytes.byteOffset + start;
  if (!LITTLE_ENDIAN) {
    const view = new DataView(bytes.buffer, at, end - start);
    return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
  }
  // Float32Array views need 4-byte alignment; a header of odd length (allowed by the format) breaks it.
  if (at % 4 === 0) return new Float32Array(bytes.buffer, at, count);
  return new Float32Array(bytes.slice(start, end).buffer);
}

/**
 * Parses a safetensors file image. `file` names the source in error messages. Only F32 tensors are accepted
 * (another dtype is refused by name). The returned arrays may share memory with `bytes`.
 */
export function decodeSafetensors(bytes: Uint8Array, file: string): Safetensors {
  const bad: (what: string) => never = (what) => fail('ERR_IO', `${file}: ${what}`);
  if (!(bytes instanceof Uint8Array)) fail('ERR_INVALID_ARG', `decodeSafetensors: bytes must be a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) bad('the file is empty, not a safetensors file');
  if (bytes.length < 8) bad(`the file has ${bytes.length} bytes, too short for a safetensors file (an 8-byte header length comes first)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    bad(`the header length says ${headerLength} bytes but only ${bytes.length - 8} follow: not a safetensors file, or truncated`);
  }
  const n = Number(headerLength);
  if (n < 2 || n > MAX_HEADER_BYTES) bad(`a header length of ${n} bytes is not plausible: not a safetensors file`);
  if (bytes[8] !== 0x7b) bad('the header does not start with "{": not a safetensors file');

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new NeuroblasError(
      'ERR_IO',
      `${file}: the header is not valid UTF-8 JSON (${(e as Error).message}): corrupted or not a safetensors file`,
      { cause: e },
    );
  }
  if (!isPlainObject(header)) bad('the header must be a JSON object');

  const metadata: Record<string, string> = {};
  const rawMetadata = header[METADATA_KEY];
  if (rawMetadata !== undefined) {
    if (!isPlainObject(rawMetadata)) bad(`"${METADATA_KEY}" must be an object of strings`);
    for (const [key, value] of Object.entries(rawMetadata)) {
      if (typeof value !== 'string') bad(`"${METADATA_KEY}.${key}" must be a string, got ${typeof value}`);
      metadata[key] = value;
    }
  }

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor "${name}"`;
    if (!isPlainObject(entry)) bad(`${where} must be an object { dtype, shape, data_offsets }`);
    for (const key of Object.keys(entry))
      if (!['dtype', 'shape', 'data_offsets'].includes(key)) bad(`${where} has an unknown field "${key}"`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (dtype !== 'F32') {
      bad(
        KNOWN_DTYPES.includes(dtype as string)
          ? `${where} has dtype ${dtype as string}; neuroblas reads F32 tensors only`
          : `${where} has an unknown dtype ${JSON.stringify(dtype)}`,
      );
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      bad(`${where} has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`${where} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] as non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) bad(`${where} has data_offsets [${begin}, ${end}]: begin after end`);
    if (end > dataLength)
      bad(`${where} ends at byte ${end} of the data, but the file holds only ${dataLength} data bytes: truncated or corrupted`);
    const expected = shapeProduct(shape as number[]) * 4;
    if (end - begin !== expected)
      bad(
        `${where} has shape [${(shape as number[]).join(', ')}] (${expected} bytes of F32) ` +
          `but data_offsets [${begin}, ${end}] hold ${end - begin} bytes`,
      );
    entries.push({ name, shape: shape as number[], begin, end });
  }

  // The format requires the tensors to tile the buffer exactly: no overlap, no hole, nothing after.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous = '';
  for (const t of sorted) {
    if (t.begin === t.end && t.begin <= covered) continue; // an empty tensor occupies no bytes
    if (t.begin < covered) bad(`tensors "${previous}" and "${t.name}" overlap (byte ${t.begin} is before ${covered}): corrupted`);
    if (t.begin > covered) bad(`data bytes [${covered}, ${t.begin}) belong to no tensor: corrupted`);
    covered = t.end;
    previous = t.name;
  }
  if (covered !== dataLength)
    bad(`the tensors end at data byte ${covered} but the file has ${dataLength} data bytes: corrupted, or extra bytes appended`);

  const tensors = Object.fromEntries(
    entries.map((t) => [
      t.name,
      {
        dtype: 'F32' as const,
        shape: t.shape,
        data: readF32(bytes, dataStart + t.begin, dataStart + t.end),
      },
    ]),
  );
  return { tensors, metadata };
}
