/**
 * The safetensors codec: exact bytes for a known tensor (so the layout is the format's, not just
 * self-consistent), round trips, the format's liberties (padding, unaligned data, empty tensors), and
 * every kind of damage refused with ERR_IO naming the file and what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from '../../lib/index.js';
import { expectError } from '../helpers/errors.js';

const FILE = '/models/m.safetensors';

/** A file image from a header (object or raw JSON text) and a data buffer, with no padding. */
function rawFile(header: object | string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (values: number[], shape = [values.length]): F32Tensor => ({ dtype: 'F32', shape, data: Float32Array.from(values) });
const bytesOf = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('safetensors encoding', () => {
  it('writes the format byte for byte: u64 LE header length, JSON header padded with spaces to 8, little-endian float32', () => {
    const bytes = encodeSafetensors({ a: f32([1, -2]) });
    const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes, padded to 56
    expect(Array.from(bytes.subarray(0, 8))).toEqual([56, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(`${json}  `);
    expect(Array.from(bytes.subarray(64))).toEqual([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  });

  it('lays tensors out sorted by name, contiguous, with __metadata__ first, the data starting at a multiple of 8', () => {
    const bytes = encodeSafetensors({ b: f32([1, 2, 3]), a: f32([4]), c: f32([5, 6], [2, 1]) }, { note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'a', 'b', 'c']);
    expect(header.__metadata__).toEqual({ note: 'x' });
    expect([header.a.data_offsets, header.b.data_offsets, header.c.data_offsets]).toEqual([
      [0, 4],
      [4, 16],
      [16, 24],
    ]);
    expect(bytes.length).toBe(8 + n + 24);
  });

  it('round-trips tensors (0-d, empty, 3-d) and metadata exactly', () => {
    const tensors = {
      'layer.weight': { dtype: 'F32' as const, shape: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => i * 0.1 - 0.55) },
      scalar: f32([3.25], []),
      empty: f32([], [0, 4]),
      extremes: f32([Number.MAX_VALUE, -0, 1e-45, -3.4028234663852886e38]),
    };
    const { tensors: back, metadata } = decodeSafetensors(encodeSafetensors(tensors, { a: '1', b: '{"json": true}' }), FILE);
    expect(metadata).toEqual({ a: '1', b: '{"json": true}' });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      expect(back[name].shape, name).toEqual(t.shape);
      expect(Array.from(back[name].data), name).toEqual(Array.from(Float32Array.from(t.data)));
    }
  });

  it('refuses metadata that is not a string and data that does not fill the shape', () => {
    expectError(() => encodeSafetensors({}, { epoch: 3 as unknown as string }), 'ERR_INVALID_ARG', /metadata "epoch" must be a string/);
    expectError(() => encodeSafetensors({ w: f32([1, 2, 3], [2, 2]) }), 'ERR_SHAPE', /tensor "w" has shape \[2, 2\] but 3 values/);
    expectError(() => encodeSafetensors({ __metadata__: f32([1]) }), 'ERR_INVALID_ARG', /reserved/);
  });
});

describe('safetensors decoding: what the format allows', () => {
  it('reads a header of odd length (data not 4-byte aligned) and from a Uint8Array at an odd offset', () => {
    const file = rawFile({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, bytesOf([1.5, -2, 7]));
    expect((file.length - 12) % 4).not.toBe(0);
    expect(Array.from(decodeSafetensors(file, FILE).tensors.w.data)).toEqual([1.5, -2, 7]);
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    expect(Array.from(decodeSafetensors(shifted.subarray(1), FILE).tensors.w.data)).toEqual([1.5, -2, 7]);
  });

  it('accepts a header padded with spaces, tensors in any order in the buffer, and an empty tensor', () => {
    const header = JSON.stringify({
      z: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      a: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
      e: { dtype: 'F32', shape: [0], data_offsets: [12, 12] },
    });
    const { tensors } = decodeSafetensors(rawFile(`${header}       `, bytesOf([9, 1, 2])), FILE);
    expect(Array.from(tensors.z.data)).toEqual([9]);
    expect(Array.from(tensors.a.data)).toEqual([1, 2]);
    expect(tensors.e.data.length).toBe(0);
  });

  it('reads a file with no tensors and no metadata', () => {
    expect(decodeSafetensors(rawFile({}), FILE)).toEqual({ tensors: {}, metadata: {} });
  });
});

describe('safetensors decoding: damaged and foreign files are ERR_IO naming the file', () => {
  const good = encodeSafetensors({ a: f32([1, 2]), b: f32([3, 4, 5]) }, { k: 'v' });
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  const bad = (bytes: Uint8Array, message: RegExp) => {
    const err = expectError(() => decodeSafetensors(bytes, FILE), 'ERR_IO', message);
    expect(err.message.startsWith(`${FILE}: `), err.message).toBe(true);
  };
  const header = (a: unknown, b: unknown) => ({ a, b });
  const entry = (begin: number, end: number, shape = [(end - begin) / 4], dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });

  it('an empty file, and one shorter than the length field', () => {
    bad(new Uint8Array(0), /the file is empty/);
    bad(good.subarray(0, 5), /has 5 bytes, too short/);
  });

  it('a truncated header, and a header length beyond the file', () => {
    bad(good.subarray(0, 8 + Math.floor(headerLength / 2)), /header length says \d+ bytes but only \d+ follow/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    bad(huge, /header length says 1099511627776 bytes/);
  });

  it('truncated data, and bytes appended after the last tensor', () => {
    bad(good.subarray(0, good.length - 4), /tensor "b" ends at byte 20 of the data, but the file holds only 16 data bytes: truncated/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    bad(longer, /the tensors end at data byte 20 but the file has 24 data bytes/);
  });

  it('a header that is not JSON, not UTF-8, not an object, or lacks the opening brace', () => {
    bad(rawFile('{"a": {"dtype": "F32", '), /not valid UTF-8 JSON/);
    const latin1 = rawFile('{"\xff": 1}');
    latin1.set([0x7b, 0x22, 0xff, 0x22], 8);
    bad(latin1, /not valid UTF-8 JSON/);
    bad(rawFile('[1, 2]'), /does not start with "\{"/);
    bad(rawFile({ __metadata__: { n: 1 } }), /"__metadata__.n" must be a string/);
  });

  it('offsets out of range, reversed, overlapping or leaving a hole', () => {
    bad(
      rawFile(header(entry(0, 8), entry(8, 400)), new Uint8Array(16)),
      /tensor "b" ends at byte 400 of the data, but the file holds only 16/,
    );
    bad(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8)), /begin after end/);
    bad(rawFile(header(entry(0, 8), entry(4, 12)), new Uint8Array(12)), /tensors "a" and "b" overlap/);
    bad(rawFile(header(entry(0, 8), entry(12, 20)), new Uint8Array(20)), /data bytes \[8, 12\) belong to no tensor/);
    bad(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /data_offsets \[0\]; expected \[begin, end\]/);
    bad(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4.5] } }, new Uint8Array(4)), /data_offsets \[0,4.5\]/);
  });

  it('a dtype other than F32 (named), an unknown dtype, a shape that does not fit its bytes', () => {
    bad(rawFile({ a: entry(0, 8, [4], 'F16') }, new Uint8Array(8)), /tensor "a" has dtype F16; neuroblas reads F32 tensors only/);
    bad(rawFile({ a: entry(0, 8, [1], 'F64') }, new Uint8Array(8)), /dtype F64/);
    bad(rawFile({ a: entry(0, 8, [2], 'float') }, new Uint8Array(8)), /unknown dtype "float"/);
    bad(rawFile({ a: entry(0, 8, [3]) }, new Uint8Array(8)), /shape \[3\] \(12 bytes of F32\) but data_offsets \[0, 8\] hold 8 bytes/);
    bad(rawFile({ a: entry(0, 8, [-2]) }, new Uint8Array(8)), /shape \[-2\]; expected an array of non-negative integers/);
    bad(rawFile({ a: { ...entry(0, 8), extra: 1 } }, new Uint8Array(8)), /unknown field "extra"/);
    bad(rawFile({ a: 5 }), /tensor "a" must be an object/);
  });

  it('a foreign file: a PNG, a text file, random bytes', () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
    ]);
    bad(png, /not a safetensors file/);
    bad(new TextEncoder().encode('hello, this is not a model at all\n'), /not a safetensors file/);
    let s = 7;
    const noise = Uint8Array.from({ length: 4096 }, () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return s >>> 24;
    });
    bad(noise, /not a safetensors file/);
  });
});
