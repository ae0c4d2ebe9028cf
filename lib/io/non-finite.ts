/**
 * Finding values a checkpoint must not hold: NaN or ±Infinity in a tensor (a diverged run, or a crafted file), and in
 * JSON, where a number too large for a double (1e999) parses as Infinity. Used by saving (refuse to write them) and
 * loading (refuse to read them), so a resumed run never starts from poisoned state.
 */

/** The index of the first NaN or ±Infinity in `data`, or -1. */
export function nonFiniteIndex(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** The path ("hyper.lr", "best.0") and value of the first non-finite number in parsed JSON, or null. Arrays' items by index. */
export function nonFiniteNumber(value: unknown, path = ''): { path: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path: path || 'the value', value };
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteNumber(item, path === '' ? key : `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
