/**
 * A SHA-256 over a checkpoint's content, kept in its metadata. The format's own checks catch most damage,
 * but a flipped bit in a weight, or in a digit of the architecture, would otherwise load silently as a
 * different model. Defined over the content (every other metadata entry, then every tensor's name, shape
 * and little-endian values, in name order), not over the file's byte layout, so any writer that keeps
 * the content keeps the checksum valid.
 */
import { createHash } from 'node:crypto';
import type { F32Tensor } from './safetensors.js';

/** The metadata entry that holds the checksum (and is itself left out of it). */
export const CHECKSUM_KEY = 'checksum_sha256';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const view = new DataView(new ArrayBuffer(data.byteLength));
  data.forEach((v, i) => {
    view.setFloat32(4 * i, v, true);
  });
  return new Uint8Array(view.buffer);
}

export function checkpointChecksum(tensors: Record<string, Pick<F32Tensor, 'shape' | 'data'>>, metadata: Record<string, string>): string {
  const hash = createHash('sha256');
  // NUL separators: names and values cannot run into each other ("ab"+"c" vs "a"+"bc").
  for (const key of Object.keys(metadata).sort()) {
    if (key !== CHECKSUM_KEY) hash.update(`${key}\0${metadata[key]}\0`);
  }
  for (const name of Object.keys(tensors).sort()) {
    hash.update(`${name}\0${tensors[name].shape.join(',')}\0`);
    hash.update(littleEndianBytes(tensors[name].data));
  }
  return hash.digest('hex');
}
