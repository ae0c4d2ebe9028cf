/** Data kernels: a batch's rows gathered from a dataset. */

/** dst's row i = src's row index[i], `width` values each, for i < n (indices checked by the contract). */
export function gatherRows(n: number, width: number, _rows: number, src: Float32Array, index: Int32Array, dst: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const from = index[i] * width;
    const to = i * width;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j];
  }
}

/** dst's row i = src's row index[i] times scale, each product rounded once to float32 (the Float32Array store). */
export function gatherByteRows(
  n: number,
  width: number,
  _rows: number,
  src: Uint8Array,
  index: Int32Array,
  scale: number,
  dst: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    const from = index[i] * width;
    const to = i * width;
    for (let j = 0; j < width; j++) dst[to + j] = src[from + j] * scale;
  }
}
