/**
 * Dense ↔ Gemm (y = x·W + b with W [in, out]: transB = 0, so the weights go out as neuroblas keeps them), or MatMul
 * without a bias; a fused activation follows as its own nodes. Imports Gemm (PyTorch's nn.Linear: transB = 1, W
 * [out, in], transposed here; alpha and beta folded into W and b) and MatMul, with an Add of a constant bias after it.
 */
import { fail } from '../../../errors.js';
import { Dense } from '../../../layers/dense.js';
import type { Layer } from '../../../layers/layer.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';
import { exportActivation } from './activations.js';

function exportDense(layer: Layer, g: GraphBuilder, x: string): string {
  if (!(layer instanceof Dense)) fail('ERR_INVALID_ARG', `${layer.name}: not a Dense layer`);
  const w = g.weight('weight', [layer.inFeatures, layer.outFeatures], layer.weight.data);
  const y = layer.bias === null ? g.node('MatMul', [x, w]) : g.node('Gemm', [x, w, g.weight('bias', [layer.outFeatures], layer.bias.data)]);
  return layer.activation === 'linear' ? y : exportActivation(layer.activation, layer.alpha, g, y);
}

/** A Dense with these weights ([in, out]) and bias (or none). */
function denseLayer(inF: number, outF: number, weight: Float32Array, bias: Float32Array | null): Dense {
  const layer = new Dense(inF, outF, { useBias: bias !== null });
  layer.weight.data.set(weight);
  if (bias !== null) layer.bias?.data.set(bias);
  return layer;
}

/** The bias as a vector of `out`: a constant of shape [out], [1, out], or one value for all. */
function biasVector(m: ImportMatch, name: string, out: number, scale: number): Float32Array {
  const b = m.view.float(name, describeNode(m.node));
  const size = b.data.length;
  if (!(size === out || size === 1) || b.dims.length > 2 || (b.dims.length === 2 && b.dims[0] !== 1))
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(m.node)}: a bias of dims [${b.dims.join(', ')}] does not fit ${out} outputs`);
  return Float32Array.from({ length: out }, (_, i) => scale * b.data[size === 1 ? 0 : i]);
}

function checkRank(m: ImportMatch): void {
  if (m.shape.length !== 1)
    fail(
      'ERR_UNSUPPORTED',
      `${m.view.file}: ${describeNode(m.node)} on samples of shape [${m.shape.join(', ')}]: only [features] maps to Dense`,
    );
}

function importGemm(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  const [alpha, beta, transA, transB] = [attrs.float('alpha', 1), attrs.float('beta', 1), attrs.int('transA', 0), attrs.int('transB', 0)];
  attrs.done();
  if (transA !== 0) attrs.unsupported('transA', `= ${transA} is not supported (the input must be [batch, features])`);
  const [a, bName, cName] = m.node.input ?? [];
  if (a !== m.x) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the layer input must be Gemm's first input`);
  checkRank(m);
  const w = m.view.float(bName ?? '', where);
  if (w.dims.length !== 2) fail('ERR_IO', `${m.view.file}: ${where}: weight "${bName}" has dims [${w.dims.join(', ')}], not 2`);
  const [inF, outF] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
  if (inF !== m.shape[0]) fail('ERR_IO', `${m.view.file}: ${where}: weight "${bName}" takes ${inF} features, the input has ${m.shape[0]}`);
  const weight = new Float32Array(inF * outF);
  for (let i = 0; i < inF; i++) {
    for (let o = 0; o < outF; o++) weight[i * outF + o] = alpha * w.data[transB ? o * inF + i : i * outF + o];
  }
  const bias = cName ? biasVector(m, cName, outF, beta) : null;
  return { layers: [denseLayer(inF, outF, weight, bias)], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

function importMatMul(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  new Attributes(m.node, m.view.file).done();
  const [a, bName] = m.node.input ?? [];
  if (a !== m.x) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the layer input must be MatMul's first input`);
  checkRank(m);
  const w = m.view.float(bName ?? '', where);
  if (w.dims.length !== 2 || w.dims[0] !== m.shape[0])
    fail('ERR_IO', `${m.view.file}: ${where}: weight "${bName}" has dims [${w.dims.join(', ')}], not [${m.shape[0]}, outputs]`);
  const out = m.node.output?.[0] ?? '';
  // A constant added right after is the bias (PyTorch writes MatMul + Add for nn.Linear on more than 2 dimensions).
  const next = m.view.consumers.get(out) ?? [];
  const add = next.length === 1 && next[0].op_type === 'Add' && next[0].input?.length === 2 ? next[0] : undefined;
  const biasName = add?.input?.find((v) => v !== out);
  if (add !== undefined && biasName !== undefined && m.view.isConstant(biasName)) {
    const bias = biasVector({ ...m, node: add }, biasName, w.dims[1], 1);
    return { layers: [denseLayer(w.dims[0], w.dims[1], w.data, bias)], nodes: [m.node, add], output: add.output?.[0] ?? '' };
  }
  return { layers: [denseLayer(w.dims[0], w.dims[1], w.data, null)], nodes: [m.node], output: out };
}

export const denseMapping: OnnxMapping = {
  layerTypes: ['Dense'],
  exportLayer: exportDense,
  ops: ['Gemm', 'MatMul'],
  importNode: (m) => (m.node.op_type === 'Gemm' ? importGemm(m) : importMatMul(m)),
};
