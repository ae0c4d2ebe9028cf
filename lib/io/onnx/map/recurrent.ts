/**
 * Embedding ↔ Gather (the ids, numbers in neuroblas, are cast to INT64), with a paddingIdx also each row's length (its
 * steps before the trailing padding: ReduceMax over t of (t + 1)·[id ≠ pad]), which LSTM/GRU get as sequence_lens,
 * as neuroblas's recurrent layers stop each row at its length.
 *
 * LSTM/GRU ↔ one ONNX LSTM/GRU node per stacked layer (both directions in one node), between Transposes from neuroblas's
 * batch-first [B, T, F] to ONNX's [T, B, F]. The gate blocks are reordered: PyTorch's (and neuroblas's) LSTM i, f, g, o
 * is ONNX's i, o, f, c; GRU r, z, n is ONNX's z, r, h, with linear_before_reset = 1 (PyTorch's n = tanh(W_in x + b_in +
 * r ⊙ (W_hn h + b_hn))). B is [Wb, Rb] per direction. `returns`: 'sequence' → Y as [B, T, D·H]; 'lastStep' → each row's
 * output at its last valid step (a one-hot over the steps, summed); 'finalState' → the top layer's Y_h as [B, D·H].
 * Dropout between stacked layers is a training-time operation: nothing at inference.
 */
import { fail } from '../../../errors.js';
import { Embedding } from '../../../layers/embedding.js';
import type { Layer } from '../../../layers/layer.js';
import { Recurrent } from '../../../layers/recurrent.js';
import type { GraphBuilder } from '../builder.js';
import { DataType } from '../proto.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';

/** ONNX's gate blocks, each the index of PyTorch's block it takes. */
const ONNX_GATE_ORDER = { lstm: [0, 3, 1, 2], gru: [1, 0, 2] } as const;

function exportEmbedding(layer: Layer, g: GraphBuilder, x: string, shape: readonly number[]): string {
  if (!(layer instanceof Embedding)) fail('ERR_INVALID_ARG', `${layer.name}: not an Embedding layer`);
  const table = g.weight('weight', [layer.numEmbeddings, layer.dim], layer.weight.data);
  const ids = g.node('Cast', [x], { to: DataType.INT64 });
  if (layer.paddingIdx !== null && shape.length === 1) {
    const T = shape[0];
    const notPad = g.node('Cast', [g.node('Not', [g.node('Equal', [x, g.constant([], [layer.paddingIdx])])])], { to: DataType.FLOAT });
    const steps = g.constant(
      [1, T],
      Array.from({ length: T }, (_, t) => t + 1),
    );
    const last = g.node('ReduceMax', [g.node('Mul', [notPad, steps])], { axes: [1], keepdims: 0 });
    g.lengths = g.node('Cast', [last], { to: DataType.INT32 });
  }
  const out = g.node('Gather', [table, ids], { axis: 0 });
  return out;
}

/** [G·H, n] blocks of H rows reordered into ONNX's gate order. */
function reorder(data: Float32Array, order: readonly number[]): Float32Array {
  const block = data.length / order.length;
  const out = new Float32Array(data.length);
  order.forEach((from, to) => {
    out.set(data.subarray(from * block, (from + 1) * block), to * block);
  });
  return out;
}

function exportRecurrent(layer: Layer, g: GraphBuilder, x: string, shape: readonly number[]): string {
  if (!(layer instanceof Recurrent)) fail('ERR_INVALID_ARG', `${layer.name}: not a recurrent layer`);
  const [T] = shape;
  const { hiddenSize: H, directions: D, kind } = layer;
  const order = ONNX_GATE_ORDER[kind];
  const G = order.length * H;
  const op = kind === 'lstm' ? 'LSTM' : 'GRU';
  let seq = g.node('Transpose', [x], { perm: [1, 0, 2] }); // [T, B, F]
  let lastH = '';
  for (let l = 0; l < layer.numLayers; l++) {
    const dirs = layer.weights.slice(l * D, (l + 1) * D);
    const In = l === 0 ? layer.inputSize : D * H;
    const cat = (parts: Float32Array[]) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    };
    const W = g.weight(`W_l${l}`, [D, G, In], cat(dirs.map((w) => reorder(w.wih.data, order))));
    const R = g.weight(`R_l${l}`, [D, G, H], cat(dirs.map((w) => reorder(w.whh.data, order))));
    const B = g.weight(`B_l${l}`, [D, 2 * G], cat(dirs.flatMap((w) => [reorder(w.bih.data, order), reorder(w.bhh.data, order)])));
    const attrs: Record<string, number | string> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (kind === 'gru') attrs.linear_before_reset = 1;
    const [Y, Yh] = g.nodeOutputs(op, [seq, W, R, B, g.lengths ?? ''], 2, attrs); // Y [T, D, B, H], Y_h [D, B, H]
    seq = g.node('Reshape', [g.node('Transpose', [Y], { perm: [0, 2, 1, 3] }), g.int64Constant([0, 0, D * H])]); // [T, B, D·H]
    lastH = Yh;
  }
  if (layer.returns === 'finalState')
    return g.node('Reshape', [g.node('Transpose', [lastH], { perm: [1, 0, 2] }), g.int64Constant([-1, D * H])]);
  const batchFirst = g.node('Transpose', [seq], { perm: [1, 0, 2] }); // [B, T, D·H]
  if (layer.returns === 'sequence') return batchFirst;
  if (g.lengths === null) return g.node('Gather', [batchFirst, g.int64Constant([T - 1], true)], { axis: 1 });
  // Each row's output at step lengths[b] − 1: a one-hot over the steps [B, T, 1], multiplied and summed over T.
  const lens = g.node('Cast', [g.lengths], { to: DataType.FLOAT });
  const oneHot = g.node('Equal', [
    g.node('Unsqueeze', [lens, g.int64Constant([1])]),
    g.constant(
      [1, T],
      Array.from({ length: T }, (_, t) => t + 1),
    ),
  ]);
  const mask = g.node('Unsqueeze', [g.node('Cast', [oneHot], { to: DataType.FLOAT }), g.int64Constant([2])]);
  return g.node('ReduceSum', [g.node('Mul', [batchFirst, mask]), g.int64Constant([1])], { keepdims: 0 });
}

function importNothing(_m: ImportMatch): Imported | null {
  return null;
}

export const embeddingMapping: OnnxMapping = {
  layerTypes: ['Embedding'],
  exportLayer: exportEmbedding,
  ops: [],
  importNode: importNothing,
};

export const recurrentMapping: OnnxMapping = {
  layerTypes: ['LSTM', 'GRU'],
  exportLayer: exportRecurrent,
  ops: [],
  importNode: importNothing,
};
