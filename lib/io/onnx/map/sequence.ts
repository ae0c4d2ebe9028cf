/**
 * Global pools, LayerNorm and TargetScaling:
 * - GlobalAvgPool1d/2d, GlobalMaxPool1d/2d ↔ GlobalAveragePool / GlobalMaxPool (which keep [C, 1(, 1)]) + Flatten;
 *   a global pool without the Flatten after it imports as the pool and an Unflatten to [C, 1(, 1)].
 * - LayerNorm ↔ LayerNormalization over the last axis (opset 17; without affine, scale 1 and bias 0 are written).
 * - TargetScaling (y = x·std + mean) ↔ Mul by a constant [units] then Add of one.
 */
import { fail } from '../../../errors.js';
import type { Layer } from '../../../layers/layer.js';
import { LayerNorm } from '../../../layers/layernorm.js';
import { GlobalAvgPool1d, GlobalAvgPool2d, GlobalMaxPool1d, GlobalMaxPool2d } from '../../../layers/pool1d.js';
import { TargetScaling } from '../../../layers/target-scaling.js';
import { Unflatten } from '../../../layers/unflatten.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';

const GLOBAL: Record<string, [op: string, one: new () => Layer, two: new () => Layer]> = {
  GlobalAvgPool1d: ['GlobalAveragePool', GlobalAvgPool1d, GlobalAvgPool2d],
  GlobalAvgPool2d: ['GlobalAveragePool', GlobalAvgPool1d, GlobalAvgPool2d],
  GlobalMaxPool1d: ['GlobalMaxPool', GlobalMaxPool1d, GlobalMaxPool2d],
  GlobalMaxPool2d: ['GlobalMaxPool', GlobalMaxPool1d, GlobalMaxPool2d],
};

function importGlobalPool(m: ImportMatch): Imported {
  new Attributes(m.node, m.view.file).done();
  const axes = m.shape.length - 1;
  if (axes !== 1 && axes !== 2)
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(m.node)} on samples of shape [${m.shape.join(', ')}]: 1-D and 2-D only`);
  const [, One, Two] = GLOBAL[m.node.op_type === 'GlobalAveragePool' ? 'GlobalAvgPool1d' : 'GlobalMaxPool1d'];
  const pool = axes === 1 ? new One() : new Two();
  const out = m.node.output?.[0] ?? '';
  const next = m.view.consumers.get(out) ?? [];
  const flatten = next.length === 1 && next[0].op_type === 'Flatten' ? next[0] : undefined;
  if (flatten !== undefined && new Attributes(flatten, m.view.file).int('axis', 1) === 1 && (flatten.attribute ?? []).length <= 1)
    return { layers: [pool], nodes: [m.node, flatten], output: flatten.output?.[0] ?? '' };
  return { layers: [pool, new Unflatten([m.shape[0], ...Array(axes).fill(1)])], nodes: [m.node], output: out };
}

function exportLayerNorm(layer: Layer, g: GraphBuilder, x: string): string {
  if (!(layer instanceof LayerNorm)) fail('ERR_INVALID_ARG', `${layer.name}: not a LayerNorm layer`);
  if (g.opset < 17) fail('ERR_UNSUPPORTED', `exportOnnx: ${layer.name}: LayerNorm needs opset 17 (LayerNormalization), got ${g.opset}`);
  const n = layer.normalizedShape;
  const scale = layer.weight ? g.weight('weight', [n], layer.weight.data) : g.constant([n], Array(n).fill(1));
  const bias = layer.bias ? g.weight('bias', [n], layer.bias.data) : g.constant([n], Array(n).fill(0));
  return g.node('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: layer.eps }, ['epsilon']);
}

function importLayerNorm(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  const axis = attrs.int('axis', -1);
  const eps = attrs.float('epsilon', 1e-5);
  const stashType = attrs.int('stash_type', 1);
  attrs.done();
  if (axis !== -1 && axis !== m.shape.length) attrs.unsupported('axis', `= ${axis} is not supported (neuroblas normalizes the last axis)`);
  if (stashType !== 1) attrs.unsupported('stash_type', `= ${stashType} is not supported`);
  if ((m.node.output ?? []).filter(Boolean).length > 1) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the Mean and InvStdDev outputs`);
  const [x, scaleName, biasName] = m.node.input ?? [];
  const n = m.shape[m.shape.length - 1];
  if (x !== m.x || !scaleName || m.shape.length > 2)
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: only LayerNormalization(x, scale[, B])`);
  const vector = (name: string) => {
    const t = m.view.float(name, where);
    if (t.data.length !== n) fail('ERR_IO', `${m.view.file}: ${where}: "${name}" holds ${t.data.length} values for ${n} features`);
    return t.data;
  };
  const layer = new LayerNorm(n, { eps });
  layer.weight?.data.set(vector(scaleName));
  if (biasName) layer.bias?.data.set(vector(biasName));
  return { layers: [layer], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

function exportTargetScaling(layer: Layer, g: GraphBuilder, x: string): string {
  if (!(layer instanceof TargetScaling)) fail('ERR_INVALID_ARG', `${layer.name}: not a TargetScaling layer`);
  const scaled = g.node('Mul', [x, g.weight('std', [layer.units], layer.std.data)]);
  return g.node('Add', [scaled, g.weight('mean', [layer.units], layer.mean.data)]);
}

/** Mul(x, std[units]) then Add(·, mean[units]) on [units] samples: TargetScaling; null for any other Mul. */
function importTargetScaling(m: ImportMatch): Imported | null {
  const [a, b] = m.node.input ?? [];
  const stdName = a === m.x ? b : a;
  const out = m.node.output?.[0] ?? '';
  const next = m.view.consumers.get(out) ?? [];
  const add = next.length === 1 && next[0].op_type === 'Add' ? next[0] : undefined;
  const meanName = add?.input?.find((v) => v !== out);
  const units = m.shape[0];
  if (m.shape.length !== 1 || !stdName || !m.view.isConstant(stdName) || add === undefined || !meanName || !m.view.isConstant(meanName)) {
    return null;
  }
  const [std, mean] = [m.view.float(stdName, describeNode(m.node)), m.view.float(meanName, describeNode(add))];
  if (std.data.length !== units || mean.data.length !== units) return null;
  const layer = new TargetScaling(units);
  layer.std.data.set(std.data);
  layer.mean.data.set(mean.data);
  return { layers: [layer], nodes: [m.node, add], output: add.output?.[0] ?? '' };
}

export const globalPoolMapping: OnnxMapping = {
  layerTypes: Object.keys(GLOBAL),
  exportLayer: (layer, g, x) => g.node('Flatten', [g.node(GLOBAL[layer.type][0], [x])], { axis: 1 }),
  ops: ['GlobalAveragePool', 'GlobalMaxPool'],
  importNode: importGlobalPool,
};

export const layerNormMapping: OnnxMapping = {
  layerTypes: ['LayerNorm'],
  exportLayer: exportLayerNorm,
  ops: ['LayerNormalization'],
  importNode: importLayerNorm,
};

export const targetScalingMapping: OnnxMapping = {
  layerTypes: ['TargetScaling'],
  exportLayer: exportTargetScaling,
  ops: ['Mul'],
  importNode: importTargetScaling,
};
