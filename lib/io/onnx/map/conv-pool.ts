/**
 * Conv2d ↔ Conv (weights [O, C, kh, kw] as ONNX wants them), MaxPool2d ↔ MaxPool, AvgPool2d ↔ AveragePool with
 * count_include_pad = 1 (neuroblas divides by the whole window, padding included, as PyTorch's default). neuroblas
 * has one stride, padding and dilation for both axes and no groups: a node asking otherwise is ERR_UNSUPPORTED naming
 * the attribute. PyTorch 1.13 writes a padded AvgPool2d as Pad (zeros) + AveragePool: that pair imports too.
 */
import { fail } from '../../../errors.js';
import { Conv2d } from '../../../layers/conv2d.js';
import type { Layer } from '../../../layers/layer.js';
import { AvgPool2d, MaxPool2d } from '../../../layers/pool.js';
import type { GraphBuilder } from '../builder.js';
import { Attributes, describeNode } from '../graph-view.js';
import type { ImportMatch, Imported, OnnxMapping } from '../mapping.js';
import type { NodeProto } from '../proto.js';

function exportConv(layer: Layer, g: GraphBuilder, x: string): string {
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
  if (!(layer instanceof MaxPool2d || layer instanceof AvgPool2d)) fail('ERR_INVALID_ARG', `${layer.name}: not a pooling layer`);
  const [k, s, p] = [layer.kernelSize, layer.stride, layer.padding];
  const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], ceil_mode: 0 };
  return layer instanceof MaxPool2d ? g.node('MaxPool', [x], attrs) : g.node('AveragePool', [x], { ...attrs, count_include_pad: 1 });
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

function checkImages(m: ImportMatch): void {
  if (m.shape.length !== 3)
    fail(
      'ERR_UNSUPPORTED',
      `${m.view.file}: ${describeNode(m.node)} on samples of shape [${m.shape.join(', ')}]: neuroblas has 2-D ones only`,
    );
}

function checkAutoPad(attrs: Attributes): void {
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') attrs.unsupported('auto_pad', `= ${autoPad} is not supported (give pads)`);
}

function importConv(m: ImportMatch): Imported {
  const where = describeNode(m.node);
  checkImages(m);
  const attrs = new Attributes(m.node, m.view.file);
  checkAutoPad(attrs);
  const group = attrs.int('group', 1);
  if (group !== 1) attrs.unsupported('group', `= ${group} is not supported (grouped convolutions)`);
  const stride = same(attrs, 'strides', attrs.ints('strides'), 2, 1);
  const padding = same(attrs, 'pads', attrs.ints('pads'), 4, 0);
  const dilation = same(attrs, 'dilations', attrs.ints('dilations'), 2, 1);
  const kernelShape = attrs.ints('kernel_shape');
  attrs.done();
  const [x, wName, bName] = m.node.input ?? [];
  if (x !== m.x) fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: the layer input must be Conv's first input`);
  const w = m.view.float(wName ?? '', where);
  if (w.dims.length !== 4 || w.dims[1] !== m.shape[0])
    fail('ERR_IO', `${m.view.file}: ${where}: weight "${wName}" has dims [${w.dims.join(', ')}], not [out, ${m.shape[0]}, kh, kw]`);
  const [outC, inC, kh, kw] = w.dims;
  if (kernelShape !== undefined && (kernelShape[0] !== kh || kernelShape[1] !== kw || kernelShape.length !== 2))
    fail('ERR_IO', `${m.view.file}: ${where}: kernel_shape [${kernelShape.join(', ')}] differs from the weight's [${kh}, ${kw}]`);
  const bias = bName ? m.view.float(bName, where) : null;
  if (bias !== null && bias.data.length !== outC)
    fail('ERR_IO', `${m.view.file}: ${where}: bias "${bName}" holds ${bias.data.length} values for ${outC} channels`);
  const layer = new Conv2d(inC, outC, [kh, kw], { stride, padding, dilation, bias: bias !== null });
  layer.weight.data.set(w.data);
  if (bias !== null) layer.bias?.data.set(bias.data);
  return { layers: [layer], nodes: [m.node], output: m.node.output?.[0] ?? '' };
}

/** A pool node's layer; `extraPadding` is a Pad of zeros before it (PyTorch's way of writing a padded AvgPool2d). */
function poolLayer(m: ImportMatch, node: NodeProto, extraPadding: number): Layer {
  const attrs = new Attributes(node, m.view.file);
  checkAutoPad(attrs);
  const kernel = same(attrs, 'kernel_shape', attrs.ints('kernel_shape'), 2, Number.NaN);
  if (Number.isNaN(kernel)) attrs.unsupported('kernel_shape', 'is missing');
  const stride = same(attrs, 'strides', attrs.ints('strides'), 2, 1);
  const padding = same(attrs, 'pads', attrs.ints('pads'), 4, 0) + extraPadding;
  const ceil = attrs.int('ceil_mode', 0);
  if (ceil !== 0) attrs.unsupported('ceil_mode', `= ${ceil} is not supported (neuroblas rounds output sizes down)`);
  if (same(attrs, 'dilations', attrs.ints('dilations'), 2, 1) !== 1) attrs.unsupported('dilations', 'other than 1 are not supported');
  if (node.op_type === 'MaxPool') {
    if (attrs.int('storage_order', 0) !== 0) attrs.unsupported('storage_order', '= 1 is not supported');
    if ((node.output ?? []).filter(Boolean).length > 1)
      fail('ERR_UNSUPPORTED', `${m.view.file}: ${describeNode(node)}: the Indices output`);
    attrs.done();
    return new MaxPool2d(kernel, { stride, padding });
  }
  const countPad = attrs.int('count_include_pad', 0);
  attrs.done();
  // Padding added by a Pad node is counted whatever the attribute says: it is data to AveragePool.
  if (countPad === 0 && padding - extraPadding > 0)
    attrs.unsupported('count_include_pad', '= 0 with padding is not supported (neuroblas counts the padding in the divisor)');
  return new AvgPool2d(kernel, { stride, padding });
}

function importPool(m: ImportMatch): Imported {
  checkImages(m);
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
  const spatial = pads.length === 8 && [0, 1, 4, 5].every((i) => pads[i] === 0) && [3, 6, 7].every((i) => pads[i] === pads[2]);
  if (!spatial || next.length !== 1 || next[0].op_type !== 'AveragePool' || m.shape.length !== 3)
    fail('ERR_UNSUPPORTED', `${m.view.file}: ${where}: pads [${pads.join(', ')}] are supported only as an AveragePool's padding`);
  return { layers: [poolLayer(m, next[0], pads[2])], nodes: [m.node, next[0]], output: next[0].output?.[0] ?? '' };
}

export const convMapping: OnnxMapping = { layerTypes: ['Conv2d'], exportLayer: exportConv, ops: ['Conv'], importNode: importConv };

export const poolMapping: OnnxMapping = {
  layerTypes: ['MaxPool2d', 'AvgPool2d'],
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
