/**
 * The embedding lookup: integer indices (stored as float32 values, like every tensor) select rows of a [V, D] table.
 * One backend crossing each way; the gradient goes to the table only (indices have none), repeats adding up, the
 * padding row getting none.
 */
import { fail } from '../errors.js';
import { needsGrad, record } from '../graph.js';
import { formatShape, Tensor } from '../tensor.js';
import { currentBackend } from './current-backend.js';
import { KernelGrads } from './gradients.js';
import { allocF32, allocI32, type Workspace } from './workspace.js';

/** The position of flat element i in a tensor of `shape`, as messages show it: [1, 4]. */
function position(i: number, shape: readonly number[]): string {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return formatShape(at);
}

/** The indices as int32, each checked to be an integer in [0, V). */
export function embeddingIndices(where: string, x: Tensor, V: number, ws?: Workspace): Int32Array {
  const n = x.size;
  const out = allocI32(ws, 'embedding.indices', n);
  const data = x.data;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!(Number.isInteger(v) && v >= 0 && v < V)) {
      const what = Number.isInteger(v) ? `outside [0, ${V})` : 'not an integer';
      fail('ERR_INVALID_ARG', `${where}: index ${v} at ${position(i, x.shape)} is ${what} (the table has ${V} rows)`);
    }
    out[i] = v;
  }
  return out;
}

/** x: indices of any shape S; weight [V, D] → [...S, D]. paddingIdx: the row that gets no gradient (null: none). */
export function embedding(x: Tensor, weight: Tensor, paddingIdx: number | null, ws?: Workspace, where = 'embedding'): Tensor {
  if (weight.shape.length !== 2) fail('ERR_SHAPE', `${where}: weight must be 2-D [rows, dim], got ${formatShape(weight.shape)}`);
  const [V, D] = weight.shape;
  const n = x.size;
  const indices = embeddingIndices(where, x, V, ws);
  const be = currentBackend();
  const out = new Tensor(allocF32(ws, 'embedding.out', n * D), [...x.shape, D]);
  be.embeddingForward(n, V, D, indices, weight.data, out.data);
  if (!needsGrad(weight)) return out;
  return record(
    out,
    'embedding',
    [weight],
    () => {
      const g = new KernelGrads(be, weight);
      be.embeddingBackward(n, V, D, indices, out.grad!, paddingIdx ?? -1, g.beta, g.dWeight);
    },
    ws?.f32('embedding.grad', n * D),
  );
}
