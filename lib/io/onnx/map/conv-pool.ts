/**
 * Conv1d/Conv2d ↔ Conv (weights [O, C, …kernel] as ONNX wants them), MaxPool1d/2d ↔ MaxPool, AvgPool1d/2d ↔ AveragePool with
 * count_include_pad = 1 (neuroblas divides by the whole window, padding included, as PyTorch's default). neuroblas
 * has one stride, padding and dilation for both axes and no groups: a node asking otherwise is ERR_UNSUPPORTED naming
 * the attribute. PyTorch 1.13 writes a padded AvgPool2d as Pad (zeros) + AveragePool: that pair imports too.
 */
import { fail } from '../../../errors.js';
import { Conv2d } from '../../../layers/conv2d.js';
import type { Layer } from '../../../layers/layer.js';
import { AvgPool2d, MaxPool2d } from '../../../layers/pool.js';
import { AvgPool1d, MaxPool1d } from '../../../layers/pool1d.js';
import { Conv1d } from '../../../layers/conv1d.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';
import type { NodeProto } from '../proto.js';

function exportConv(layer: Layer, g: GraphBuilder, x: string): string {
  if (layer instanceof Conv1d) {
    const inputs = [x, g.weight('weight', [layer.outChannels, layer.inChannels, layer.kernelSize], layer.weight.data)];
    if (layer.bias !== null) inputs.push(g.weight('bias', [layer.outChannels], layer.bias.data));
    const [k, p] = [layer.kernelSize, layer.padding];
    return g.node('Conv', inputs, { kernel_shape: [k], strides: [layer.stride], pads: [p, p], dilations: [layer.dilation], group: 1 });
  }
  if (!(layer instanceof Conv2d)) fail('ERR_INVALID_ARG', `${layer.name}: not a Conv2d layer`);
  const [kh, kw] = layer.kernelSize;
  const inputs = [x, g.weight('weight', [layer.outChannels, layer.inChannels, kh, kw], layer.weight.data)];
  if (layer.bias !== null) inputs.push(g.weight('bias', [layer.outChannels], layer.bias.data));
  const p = layer.padding;
  return g.node('Conv', inputs, {
    kernel_shape: [kh, kw],
    strides: [layer.stride, layer.stride],
    pads: [p, p, p, p],
    dilations: [layer.dilation, layer.dilation],
    group: 1,
  });
}

function exportPool(layer: Layer, g: GraphBuilder, x: string): string {
  const oneD = layer instanceof MaxPool1d || layer instanceof AvgPool1d;
  if (!(oneD || layer instanceof MaxPool2d || layer instanceof AvgPool2d)) fail('ERR_INVALID_ARG', `${layer.name}: not a pooling layer`);
  const [k, s, p] = [layer.kernelSize, layer.stride, layer.padding];
  const attrs = oneD
    ? { kernel_shape: [k], strides: [s], pads: [p, p], ceil_mode: 0 }
    : { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], ceil_mode: 0 };
  const max = layer instanceof MaxPool2d || layer instanceof MaxPool1d;
  return max ? g.node('MaxPool', [x], attrs) : g.node('AveragePool', [x], { ...attrs, count_include_pad: 1 });
}

/** The one value of a per-axis attribute (2 values; pads 4), or ERR_UNSUPPORTED when they differ. */
function same(attrs: Attributes, name: string, values: number[] | undefined, count: number, fallback: number): number {
  if (values === undefined) return fallback;
  if (values.length !== count || values.some((v) => v !== values[0]))
    attrs.unsupported(
      name,
      `= [${values.join(', ')}] is not supported (neuroblas uses one value for both axes${count === 4 ? ' and sides' : ''})`,
    );
  return values[0];
}

/** The spatial axes of the samples (1: [C, L], 2: [C, H, W]); ERR_UNSUPPORTED for others. */
function spatialAxes(m: ImportMatch): 1 | 2 {
  if (m.shape.length !== 2 && m.shape.length !== 3)
    fail(
      'ERR_UNSUPPORTED',
      `${m.view.file}: ${describeNode(m.node)} on samples of shape [${m.shape.join(', ')}]: neuroblas has 1-D and 2-D ones`,
    );
  return m.shape.length === 2 ? 1 : 2;
}

function checkAutoPad(attrs: Attributes): void {
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') attrs.unsupported('auto_pad', `= ${autoPad} is not supported (give pads)`);
}

function importConv(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const axes = spatialAxes(m);
  const attrs = new Attributes(m.node, m.view.file);
  checkAutoPad(attrs);
  const group = attrs.int('group', 1);
  if (group !== 1) attrs.unsupported('group', `= ${group} is not supported (grouped convolutions)`);
  const stride = same(attrs, 'strides', attrs.ints('strides'), axes, 1);
  const padding = same(attrs, 'pads', attrs.ints('pads'), 2 * axes, 0);
  const dilation = same(attrs, 'dilations', attrs.ints('dilations'), axes, 1);
  const kernelShape = attrs.ints('kernel_shape');
  attrs.done();
  const [x, wName, bName] = m.node.input ?? [];
  if (x !== m.x) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the layer input must be Conv's first input`);
  const w = m.view.float(wName ?? '', where);
  if (w.dims.length !== 2 + axes || w.dims[1] !== m.shape[0])
    fail('ERR_IO', `${m.view.file}: ${where}: weight "${wName}" has dims [${w.dims.join(', ')}], not [out, ${m.shape[0]}, …kernel]`);
  const [outC, inC, kh, kw] = w.dims;
  const kernel = w.dims.slice(2);
  if (kernelShape !== undefined && kernelShape.join() !== kernel.join())
    fail('ERR_IO', `${m.view.file}: ${where}: kernel_shape [${kernelShape.join(', ')}] differs from the weight's [${kernel.join(', ')}]`);
  const bias = bName ? m.view.float(bName, where) : null;
  if (bias !== null && bias.data.length !== outC)
    fail('ERR_IO', `${m.view.file}: ${where}: bias "${bName}" holds ${bias.data.length} values for ${outC} channels`);
  const options = { stride, padding, dilation, bias: bias !== null };
  const layer = axes === 1 ? new Conv1d(inC, outC, kh, options) : new Conv2d(inC, outC, [kh, kw], options);
  layer.weight.data.set(w.data);
  if (bias !== null) layer.bias?.data.set(bias.data);
  return { layers: [layer], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

/** A pool node's layer; `extraPadding` is a Pad of zeros before it (PyTorch's way of writing a padded AvgPool2d). */
function poolLayer(m: ImportMatch, node: NodeProto, extraPadding: number): Layer {
  const axes = spatialAxes(m);
  const attrs = new Attributes(node, m.view.file);
  checkAutoPad(attrs);
  const kernel = same(attrs, 'kernel_shape', attrs.ints('kernel_shape'), axes, Number.NaN);
  if (Number.isNaN(kernel)) attrs.unsupported('kernel_shape', 'is missing');
  const stride = same(attrs, 'strides', attrs.ints('strides'), axes, 1);
  const padding = same(attrs, 'pads', attrs.ints('pads'), 2 * axes, 0) + extraPadding;
  const ceil = attrs.int('ceil_mode', 0);
  if (ceil !== 0) attrs.unsupported('ceil_mode', `= ${ceil} is not supported (neuroblas rounds output sizes down)`);
  if (same(attrs, 'dilations', attrs.ints('dilations'), axes, 1) !== 1) attrs.unsupported('dilations', 'other than 1 are not supported');
  if (node.op_type === 'MaxPool') {
    if (attrs.int('storage_order', 0) !== 0) attrs.unsupported('storage_order', '= 1 is not supported');
    if ((node.output ?? []).filter(Boolean).length > 1)
      fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(node)}: the Indices output`);
    attrs.done();
    return axes === 1 ? new MaxPool1d(kernel, { stride, padding }) : new MaxPool2d(kernel, { stride, padding });
  }
  const countPad = attrs.int('count_include_pad', 0);
  attrs.done();
  // Padding added by a Pad node is counted whatever the attribute says: it is data to AveragePool.
  if (countPad === 0 && padding - extraPadding > 0)
    attrs.unsupported('count_include_pad', '= 0 with padding is not supported (neuroblas counts the padding in the divisor)');
  return axes === 1 ? new AvgPool1d(kernel, { stride, padding }) : new AvgPool2d(kernel, { stride, padding });
}

function importPool(m: ImportMatch): Imported {
  if (m.node.input?.[0] !== m.x) fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(m.node)}: unexpected input`);
  return { layers: [poolLayer(m, m.node, 0)], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

/**
 * Pad: zeros on the two spatial axes of [batch, C, H, W], the same on every side, read by an AveragePool and nothing
 * else, becomes that pool's padding; a Pad of nothing is dropped. Anything else is ERR_UNSUPPORTED.
 */
function importPad(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  const attrs = new Attributes(m.node, m.view.file);
  const mode = attrs.string('mode', 'constant');
  attrs.done();
  const [x, padsName, valueName, axesName] = m.node.input ?? [];
  if (x !== m.x || !padsName || axesName) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: only Pad(x, pads[, value]) is supported`);
  if (mode !== 'constant') attrs.unsupported('mode', `= ${mode} is not supported`);
  if (valueName && m.view.scalar(valueName) !== 0) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: padding with a value other than 0`);
  const pads = m.view.ints(padsName, where);
  const out = m.node.output?.[0] ?? '';
  if (pads.every((p) => p === 0)) return { layers: [], nodes: [m.node], output: out };
  const next = m.view.consumers.get(out) ?? [];
  // [x1_begin, x2_begin, …, x1_end, …]: zero on batch and channels, the same on every spatial side.
  const r = m.shape.length + 1;
  const onSpatial = pads.length === 2 * r && pads.every((p, i) => (i % r < 2 ? p === 0 : p === pads[2]));
  if (!onSpatial || next.length !== 1 || next[0].op_type !== 'AveragePool')
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: pads [${pads.join(', ')}] are supported only as an AveragePool's padding`);
  return { layers: [poolLayer(m, next[0], pads[2])], nodes: [m.node, next[0]], output: next[0].output?.[0] ?? '' };
}

export const convMapping: OnnxMapping = {
  layerTypes: ['Conv1d', 'Conv2d'],
  exportLayer: exportConv,
  ops: ['Conv'],
  importNode: importConv,
};

export const poolMapping: OnnxMapping = {
  layerTypes: ['MaxPool1d', 'AvgPool1d', 'MaxPool2d', 'AvgPool2d'],
  exportLayer: exportPool,
  ops: ['MaxPool', 'AveragePool'],
  importNode: importPool,
};

export const padMapping: OnnxMapping = {
  layerTypes: [],
  exportLayer: (layer) => fail('ERR_INVALID_ARG', `${layer.name}: nothing exports as Pad`),
  ops: ['Pad'],
  importNode: importPad,
};
