/**
 * BatchNorm1d/2d ↔ BatchNormalization (inference form: running statistics; ONNX's momentum is 1 − PyTorch's),
 * Flatten ↔ Flatten(axis 1), Unflatten ↔ Reshape to [-1, ...shape], Dropout → nothing (the identity at inference;
 * an imported Dropout node becomes a Dropout layer, so fine-tuning drops as the original did).
 */
import { fail } from '../../../errors.js';
import { BatchNorm, BatchNorm1d, BatchNorm2d } from '../../../layers/batchnorm.js';
import { Dropout } from '../../../layers/dropout.js';
import { Flatten } from '../../../layers/flatten.js';
import type { Layer } from '../../../layers/layer.js';
import { Unflatten } from '../../../layers/unflatten.js';
import { shapeSize } from '../../../tensor.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';

function exportBatchNorm(layer: Layer, g: GraphBuilder, x: string): string {
  if (!(layer instanceof BatchNorm)) fail('ERR_INVALID_ARG', `${layer.name}: not a batch-norm layer`);
  const n = [layer.numFeatures];
  // Without affine, gamma = 1 and beta = 0 are constants of the layer: written under the names PyTorch would use.
  const inputs = [
    g.weight('weight', n, layer.weight.data),
    g.weight('bias', n, layer.bias.data),
    g.weight('running_mean', n, layer.runningMean.data),
    g.weight('running_var', n, layer.runningVar.data),
  ];
  return g.node('BatchNormalization', [x, ...inputs], { epsilon: layer.eps, momentum: 1 - layer.momentum }, ['epsilon', 'momentum']);
}

function importBatchNorm(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  const eps = attrs.float('epsilon', 1e-5);
  const momentum = 1 - attrs.float('momentum', 0.9);
  const training = attrs.int('training_mode', 0);
  if (m.opset < 9) attrs.int('spatial', 1); // read (and accepted) in the old opsets that had it
  attrs.done();
  if (training !== 0) attrs.unsupported('training_mode', '= 1 is not supported (export the model in eval mode)');
  if ((m.node.output ?? []).filter(Boolean).length > 1) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: training outputs`);
  const [x, ...names] = m.node.input ?? [];
  if (x !== m.x || names.length !== 4) fail('ERR_IO', `${m.view.file}: ${where}: expected inputs X, scale, B, mean, var`);
  const C = m.shape[0];
  const [scale, bias, mean, variance] = names.map((name) => {
    const t = m.view.float(name, where);
    if (t.data.length !== C) fail('ERR_IO', `${m.view.file}: ${where}: "${name}" holds ${t.data.length} values for ${C} channels`);
    return t.data;
  });
  if (m.shape.length > 3) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: samples of shape [${m.shape.join(', ')}] (3-D batch norm)`);
  const options = { eps, momentum: Math.min(1, Math.max(0, momentum)) };
  const layer = m.shape.length === 3 ? new BatchNorm2d(C, options) : new BatchNorm1d(C, options);
  layer.weight.data.set(scale);
  layer.bias.data.set(bias);
  layer.runningMean.data.set(mean);
  layer.runningVar.data.set(variance);
  return { layers: [layer], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

function importFlatten(m: ImportMatch): Imported {
  const attrs = new Attributes(m.node, m.view.file);
  const axis = attrs.int('axis', 1);
  attrs.done();
  if (axis !== 1) attrs.unsupported('axis', `= ${axis} is not supported (only the batch dimension stays: axis 1)`);
  return { layers: m.shape.length === 1 ? [] : [new Flatten()], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

/** Reshape keeping the batch dimension (first entry 0 or -1): Flatten, Unflatten, or both. */
function importReshape(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  if (attrs.int('allowzero', 0) !== 0) attrs.unsupported('allowzero', '= 1 is not supported');
  attrs.done();
  const [x, shapeName] = m.node.input ?? [];
  if (x !== m.x || !shapeName) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: only Reshape(x, constant shape) is supported`);
  const target = m.view.ints(shapeName, where);
  const size = shapeSize(m.shape);
  if (target.length < 2 || !(target[0] === 0 || target[0] === -1))
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: shape [${target.join(', ')}] does not keep the batch dimension first`);
  const rest = target.slice(1).map((d, i) => (d === 0 ? (m.shape[i] ?? Number.NaN) : d));
  const known = rest.filter((d) => d !== -1);
  if (known.some((d) => !Number.isSafeInteger(d) || d < 1) || rest.length - known.length > 1)
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: shape [${target.join(', ')}]`);
  const perSample = rest.map((d) => (d === -1 ? size / shapeSize(known) : d));
  if (shapeSize(perSample) !== size || perSample.some((d) => !Number.isSafeInteger(d)))
    fail('ERR_IO', `${m.view.file}: ${where}: shape [${target.join(', ')}] does not fit samples of [${m.shape.join(', ')}]`);
  const layers: Layer[] = m.shape.length === 1 ? [] : [new Flatten()];
  if (perSample.length > 1) layers.push(new Unflatten(perSample));
  return { layers, nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

/** Dropout at inference (ratio from the attribute before opset 12, from an input after); training_mode must be off. */
function importDropout(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  let ratio = attrs.float('ratio', 0.5);
  attrs.done();
  const [, ratioName, trainingName] = m.node.input ?? [];
  if (ratioName) ratio = m.view.scalar(ratioName) ?? fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: a ratio that is not a constant`);
  if (trainingName) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the training_mode input (export the model in eval mode)`);
  if ((m.node.output ?? []).filter(Boolean).length > 1 && (m.view.consumers.get(m.node.output?.[1] ?? '') ?? []).length > 0)
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the mask output`);
  return { layers: ratio > 0 ? [new Dropout(ratio)] : [], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

export const batchNormMapping: OnnxMapping = {
  layerTypes: ['BatchNorm1d', 'BatchNorm2d'],
  exportLayer: exportBatchNorm,
  ops: ['BatchNormalization'],
  importNode: importBatchNorm,
};

export const flattenMapping: OnnxMapping = {
  layerTypes: ['Flatten'],
  exportLayer: (_layer, g, x) => g.node('Flatten', [x], { axis: 1 }),
  ops: ['Flatten'],
  importNode: importFlatten,
};

export const unflattenMapping: OnnxMapping = {
  layerTypes: ['Unflatten'],
  exportLayer(layer, g, x) {
    if (!(layer instanceof Unflatten)) fail('ERR_INVALID_ARG', `${layer.name}: not an Unflatten layer`);
    return g.node('Reshape', [x, g.int64Constant([-1, ...layer.shape])]);
  },
  ops: ['Reshape'],
  importNode: importReshape,
};

export const dropoutMapping: OnnxMapping = {
  layerTypes: ['Dropout'],
  exportLayer: (_layer, _g, x) => x,
  ops: ['Dropout'],
  importNode: importDropout,
};
