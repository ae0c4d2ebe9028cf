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
import { GRU, LSTM, Recurrent } from '../../../layers/recurrent.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import { DataType, type NodeProto } from '../proto.js';
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

/** The one node of `op` reading `value` (and no other reader), or undefined. */
function only(m: ImportMatch, value: string, op: string): NodeProto | undefined {
  const readers = m.view.consumers.get(value) ?? [];
  return readers.length === 1 && readers[0].op_type === op ? readers[0] : undefined;
}

function out(node: NodeProto | undefined, i = 0): string {
  return node?.output?.[i] ?? '';
}

function attrInts(m: ImportMatch, node: NodeProto, name: string): number[] | undefined {
  return new Attributes(node, m.view.file).ints(name);
}

/**
 * Gather(table, ids) (PyTorch: integer ids straight from the input) or Cast(ids → INT64) + Gather (exportOnnx), with
 * exportOnnx's lengths subgraph beside it when the Embedding had a padding index: Equal(ids, pad) → Not → Cast → Mul by
 * the steps 1..T → ReduceMax over the steps → Cast INT32.
 */
function importEmbedding(m: ImportMatch): Imported | null {
  const where = describeNode(m.node);
  const readers = m.view.consumers.get(m.x) ?? [];
  const cast = readers.find((n) => n.op_type === 'Cast');
  const gather = cast ? only(m, out(cast), 'Gather') : readers.find((n) => n.op_type === 'Gather' && n.input?.[1] === m.x);
  if (gather === undefined || gather.input?.[1] !== (cast ? out(cast) : m.x) || !m.view.isConstant(gather.input?.[0] ?? '')) return null;
  const axis = new Attributes(gather, m.view.file).int('axis', 0);
  if (axis !== 0) return null;
  const table = m.view.float(gather.input?.[0] ?? '', where);
  if (table.dims.length !== 2) fail('ERR_IO', `${m.view.file}: ${where}: an embedding table of dims [${table.dims.join(', ')}]`);
  const nodes = [gather, ...(cast ? [cast] : [])];
  let paddingIdx: number | null = null;
  let lengths: string | undefined;
  const equal = readers.find((n) => n.op_type === 'Equal');
  if (equal !== undefined) {
    const pad = m.view.scalar(equal.input?.find((v) => v !== m.x) ?? '');
    const not = only(m, out(equal), 'Not');
    const toFloat = not && only(m, out(not), 'Cast');
    const mul = toFloat && only(m, out(toFloat), 'Mul');
    const max = mul && only(m, out(mul), 'ReduceMax');
    const toInt = max && only(m, out(max), 'Cast');
    if (pad === undefined || toInt === undefined || !Number.isInteger(pad) || !equal || !not || !toFloat || !mul || !max)
      fail(
        'ERR_UNSUPPORTED',
        `${m.view.file}: ${describeNode(equal)}: only exportOnnx's padding-length subgraph reads the ids besides the Embedding`,
      );
    paddingIdx = pad;
    lengths = out(toInt);
    nodes.push(equal, not, toFloat, mul, max, toInt);
  }
  const layer = new Embedding(table.dims[0], table.dims[1], { paddingIdx });
  layer.weight.data.set(table.data);
  return { layers: [layer], nodes, output: out(gather), lengths };
}

/** Ops a zero initial state is computed with (PyTorch: Shape(x) → … → ConstantOfShape(0) → Slice). */
const ZERO_STATE_OPS = new Set(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'ConstantOfShape', 'Slice', 'Constant', 'Expand']);

/** The nodes computing `value` when it is a tensor of zeros whose shape comes from `x`; null otherwise. */
function zeroState(m: ImportMatch, value: string, nodes: Set<NodeProto>): boolean {
  if (m.view.isConstant(value)) {
    const c = m.view.float(value, 'initial state');
    return c.data.every((v) => v === 0);
  }
  const node = m.view.producer.get(value);
  if (node === undefined || !ZERO_STATE_OPS.has(node.op_type ?? '')) return false;
  if (node.op_type === 'ConstantOfShape') {
    const t = node.attribute?.find((a) => a.name === 'value')?.t;
    const raw = t?.raw_data ?? new Uint8Array(0);
    if (!(t === undefined || (raw.every((v) => v === 0) && (t.float_data ?? []).every((v) => v === 0)))) return false;
  }
  nodes.add(node);
  if (node.op_type === 'Shape') return node.input?.[0] === m.x;
  if (node.op_type === 'ConstantOfShape') return zeroShape(m, node.input?.[0] ?? '', nodes);
  // Slice and Expand of zeros are zeros; their other inputs are shapes.
  return zeroState(m, node.input?.[0] ?? '', nodes) && (node.input ?? []).slice(1).every((v) => v === '' || zeroShape(m, v, nodes));
}

/** A shape computed from constants and Shape(x) only. */
function zeroShape(m: ImportMatch, value: string, nodes: Set<NodeProto>): boolean {
  if (m.view.isConstant(value)) return true;
  const node = m.view.producer.get(value);
  if (node === undefined || !ZERO_STATE_OPS.has(node.op_type ?? '') || node.op_type === 'ConstantOfShape') return false;
  nodes.add(node);
  if (node.op_type === 'Shape') return node.input?.[0] === m.x;
  return (node.input ?? []).every((v) => v === '' || zeroShape(m, v, nodes));
}

/** ONNX's gate blocks back into PyTorch's order. */
function unorder(data: Float32Array, order: readonly number[]): Float32Array {
  const block = data.length / order.length;
  const result = new Float32Array(data.length);
  order.forEach((from, to) => {
    result.set(data.subarray(to * block, (to + 1) * block), from * block);
  });
  return result;
}

/**
 * Transpose(x, [1, 0, 2]) → LSTM/GRU (→ Transpose [0, 2, 1, 3] + Reshape, or Squeeze, → the next stacked node …) and
 * what the classifier takes: the whole sequence (Transpose back), the last step (Gather of step −1 or T − 1, or
 * exportOnnx's one-hot over the lengths), or the top layer's final state (Y_h, Transpose + Reshape, or Squeeze / Gather
 * of direction 0 for one direction).
 */
function importRecurrent(m: ImportMatch): Imported | null {
  if (m.shape.length !== 2) return null;
  const [T, inputSize] = m.shape;
  const readers = m.view.consumers.get(m.x) ?? [];
  const enter = readers.find((n) => n.op_type === 'Transpose' && attrInts(m, n, 'perm')?.join() === '1,0,2');
  const first = enter && (m.view.consumers.get(out(enter)) ?? []).find((n) => n.op_type === 'LSTM' || n.op_type === 'GRU');
  if (enter === undefined || first === undefined) return null;
  const kind = first.op_type === 'LSTM' ? 'lstm' : 'gru';
  const order = ONNX_GATE_ORDER[kind];
  const nodes = new Set<NodeProto>([enter]);
  const weights: { wih: Float32Array; whh: Float32Array; bih: Float32Array; bhh: Float32Array }[] = [];
  let [node, H, D, seqIn] = [first as NodeProto | undefined, 0, 0, out(enter)];
  let lastY = '';
  let lastYh = '';
  while (node !== undefined && node.op_type === first.op_type && node.input?.[0] === seqIn) {
    const where = describeNode(node);
    const attrs = new Attributes(node, m.view.file);
    const hidden = attrs.int('hidden_size', 0);
    const direction = attrs.string('direction', 'forward');
    if (kind === 'gru' && attrs.int('linear_before_reset', 0) !== 1)
      attrs.unsupported('linear_before_reset', '= 0 is not supported (PyTorch and neuroblas reset after the linear map: 1)');
    if (kind === 'lstm' && attrs.int('input_forget', 0) !== 0) attrs.unsupported('input_forget', '= 1 is not supported');
    if (attrs.int('layout', 0) !== 0) attrs.unsupported('layout', '= 1 is not supported');
    if (attrs.float('clip', Number.POSITIVE_INFINITY) !== Number.POSITIVE_INFINITY) attrs.unsupported('clip', 'is not supported');
    attrs.done();
    if (direction !== 'forward' && direction !== 'bidirectional') attrs.unsupported('direction', `= ${direction} is not supported`);
    const d = direction === 'bidirectional' ? 2 : 1;
    if (weights.length > 0 && (hidden !== H || d !== D))
      fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: stacked layers of different sizes`);
    [H, D] = [hidden, d];
    const G = order.length * H;
    const In = weights.length === 0 ? inputSize : D * H;
    const [, wName, rName, bName, lensName, h0, c0, p] = node.input ?? [];
    const W = m.view.float(wName ?? '', where);
    const R = m.view.float(rName ?? '', where);
    if (H < 1 || W.dims.join() !== [D, G, In].join() || R.dims.join() !== [D, G, H].join())
      fail(
        'ERR_IO',
        `${m.view.file}: ${where}: W [${W.dims.join(', ')}] and R [${R.dims.join(', ')}] do not fit hidden_size ${H}, input ${In}`,
      );
    const B = bName ? m.view.float(bName, where).data : new Float32Array(D * 2 * G);
    if (B.length !== D * 2 * G) fail('ERR_IO', `${m.view.file}: ${where}: B holds ${B.length} values, not ${D * 2 * G}`);
    if (p) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: peepholes (input P) are not supported`);
    if (lensName && lensName !== m.lengths)
      fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: sequence_lens other than an Embedding's padding lengths`);
    for (const state of [h0, c0]) {
      if (state && !zeroState(m, state, nodes)) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: an initial state that is not zeros`);
    }
    for (let dir = 0; dir < D; dir++) {
      const w = W.data.subarray(dir * G * In, (dir + 1) * G * In);
      const r = R.data.subarray(dir * G * H, (dir + 1) * G * H);
      const b = B.subarray(dir * 2 * G, (dir + 1) * 2 * G);
      weights.push({
        wih: unorder(w, order),
        whh: unorder(r, order),
        bih: unorder(b.subarray(0, G), order),
        bhh: unorder(b.subarray(G), order),
      });
    }
    nodes.add(node);
    [lastY, lastYh] = [out(node, 0), out(node, 1)];
    // The next layer's input: [T, B, D·H] from Y [T, D, B, H].
    const squeeze = D === 1 ? only(m, lastY, 'Squeeze') : undefined;
    const tr = only(m, lastY, 'Transpose');
    const reshape = tr && attrInts(m, tr, 'perm')?.join() === '0,2,1,3' ? only(m, out(tr), 'Reshape') : undefined;
    const flat = squeeze ?? reshape;
    if (flat === undefined) break;
    const next = m.view.consumers.get(out(flat)) ?? [];
    nodes.add(flat);
    if (tr && reshape) nodes.add(tr);
    seqIn = out(flat);
    lastY = '';
    node = next.length === 1 && next[0].op_type === first.op_type ? next[0] : undefined;
    if (node === undefined) break;
  }
  const numLayers = weights.length / D;
  let returns: 'sequence' | 'lastStep' | 'finalState' = 'sequence';
  let output = '';
  const steps = lastY === '' ? only(m, seqIn, 'Transpose') : undefined; // [T, B, F] → [B, T, F]
  if (steps && attrInts(m, steps, 'perm')?.join() === '1,0,2' && (m.view.consumers.get(lastYh) ?? []).length === 0) {
    nodes.add(steps);
    output = out(steps);
    const pick = only(m, output, 'Gather');
    const index = pick && m.view.isConstant(pick.input?.[1] ?? '') ? m.view.ints(pick.input?.[1] ?? '', describeNode(pick)) : undefined;
    const mul = only(m, output, 'Mul');
    if (pick && new Attributes(pick, m.view.file).int('axis', 0) === 1 && index?.length === 1 && (index[0] === -1 || index[0] === T - 1)) {
      if (m.lengths !== null) fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(pick)}: the last step of rows that have lengths`);
      [returns, output] = ['lastStep', out(pick)];
      nodes.add(pick);
    } else if (mul && m.lengths !== null) {
      const sum = only(m, out(mul), 'ReduceSum');
      const mask = mul.input?.find((v) => v !== output) ?? '';
      const maskNodes = new Set<NodeProto>();
      if (sum === undefined || !lengthsOneHot(m, mask, maskNodes)) return null;
      [returns, output] = ['lastStep', out(sum)];
      for (const n of [mul, sum, ...maskNodes]) nodes.add(n);
    }
  } else if (lastY !== '' || (m.view.consumers.get(seqIn) ?? []).length === 0) {
    // The final state: Y_h [D, B, H] → [B, D·H].
    const tr = only(m, lastYh, 'Transpose');
    const reshape = tr && attrInts(m, tr, 'perm')?.join() === '1,0,2' ? only(m, out(tr), 'Reshape') : undefined;
    const squeeze = D === 1 ? (only(m, lastYh, 'Squeeze') ?? only(m, lastYh, 'Gather')) : undefined;
    const end = reshape ?? squeeze;
    if (end === undefined) return null;
    if (tr && reshape) nodes.add(tr);
    nodes.add(end);
    [returns, output] = ['finalState', out(end)];
  } else return null;
  const Cls = kind === 'lstm' ? LSTM : GRU;
  const layer = new Cls(inputSize, H, { numLayers, bidirectional: D === 2, returns });
  layer.weights.forEach((w, i) => {
    w.wih.data.set(weights[i].wih);
    w.whh.data.set(weights[i].whh);
    w.bih.data.set(weights[i].bih);
    w.bhh.data.set(weights[i].bhh);
  });
  return { layers: [layer], nodes: [...nodes], output };
}

/** exportOnnx's one-hot over the steps at lengths − 1: Unsqueeze(Cast(Equal(Unsqueeze(Cast(lengths)), steps)), 2). */
function lengthsOneHot(m: ImportMatch, mask: string, nodes: Set<NodeProto>): boolean {
  const chain = ['Unsqueeze', 'Cast', 'Equal', 'Unsqueeze', 'Cast'];
  let value = mask;
  for (const op of chain) {
    const node = m.view.producer.get(value);
    if (node?.op_type !== op) return false;
    nodes.add(node);
    value = node.input?.find((v) => !m.view.isConstant(v)) ?? '';
  }
  return value === m.lengths;
}

export const embeddingMapping: OnnxMapping = {
  layerTypes: ['Embedding'],
  exportLayer: exportEmbedding,
  ops: ['Cast', 'Gather', 'Equal'],
  importNode: importEmbedding,
};

export const recurrentMapping: OnnxMapping = {
  layerTypes: ['LSTM', 'GRU'],
  exportLayer: exportRecurrent,
  // The first reader of a sequence: PyTorch's Shape (for the zero initial state) or the Transpose to [T, B, F].
  ops: ['Transpose', 'Shape'],
  importNode: importRecurrent,
};
