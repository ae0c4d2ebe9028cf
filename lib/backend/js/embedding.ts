/** Embedding lookup and its gradient: rows of a [V, D] table gathered by index, and scattered back (repeats add up). */

export function embeddingForward(n: number, _V: number, D: number, indices: Int32Array, weight: Float32Array, Y: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const from = indices[i] * D;
    Y.set(weight.subarray(from, from + D), i * D);
  }
}

export function embeddingBackward(
  n: number,
  V: number,
  D: number,
  indices: Int32Array,
  dY: Float32Array,
  paddingIdx: number,
  beta: number,
  dWeight: Float32Array,
): void {
  const size = V * D;
  if (beta === 0) dWeight.fill(0, 0, size);
  else if (beta !== 1) for (let i = 0; i < size; i++) dWeight[i] *= beta;
  for (let i = 0; i < n; i++) {
    const k = indices[i];
    if (k === paddingIdx) continue; // PyTorch's padding_idx: that row gets no gradient
    const to = k * D,
      from = i * D;
    for (let j = 0; j < D; j++) dWeight[to + j] += dY[from + j];
  }
}
