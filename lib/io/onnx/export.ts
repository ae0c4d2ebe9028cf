/**
 * exportOnnx: a model as an ONNX file that ONNX Runtime (and anything else reading ONNX) runs. Each layer goes through
 * its entry of the mapping table (lib/io/onnx/map/); the weights are initializers (not graph inputs), the batch
 * dimension is dynamic ("batch"), and an optional second output gives probabilities beside the logits. Class names, the
 * input range and any extra strings go into metadata_props. The write is atomic (lib/io/atomic-write.ts).
 */
import { checkKnownKeys, optionsObject, show } from '../../check.js';
import { checkInputRangeValue, type InputRange } from '../../data/input-range.js';
import { fail } from '../../errors.js';
import { Activation } from '../../layers/activation.js';
import { Dense } from '../../layers/dense.js';
import { BatchNorm } from '../../layers/batchnorm.js';
import { Layer, leafLayers } from '../../layers/layer.js';
import { Unflatten } from '../../layers/unflatten.js';
import { shapeSize } from '../../tensor.js';
import { writeFileAtomic } from '../atomic-write.js';
import { libraryVersion } from '../version.js';
import { GraphBuilder } from './builder.js';
import { mappedLayerTypes, mappingForLayer } from './map/index.js';
import { AttributeType, DataType, encodeModel, type ValueInfoProto } from './proto.js';

/** The opsets written: 13 (Softmax over one axis) up to 17, the newest the ONNX 1.12 checker knows. */
export const ONNX_OPSETS = { min: 13, max: 17, default: 17 } as const;
/** IR version 8 (ONNX 1.10–1.12), which every opset above may use. */
const IR_VERSION = 8;
/** metadata_props keys neuroblas writes itself. */
export const ONNX_METADATA_KEYS = { classes: 'classes', inputRange: 'input_range', library: 'neuroblas_version' } as const;

export interface ExportOnnxOptions {
  /** Default 17; 13–17. */
  opset?: number;
  /** One sample's shape, e.g. [784] or [1, 28, 28]; default: what the first layer takes when it says (Dense, Unflatten). */
  inputShape?: readonly number[];
  /** A second output, "probabilities": softmax of the logits per row (sigmoid for one output). Default false. */
  probabilities?: boolean;
  /** Class names by index, kept in metadata_props as JSON under "classes". */
  classes?: readonly string[];
  /** The training features' range (inputRangeOf), kept under "input_range". */
  inputRange?: InputRange;
  /** More metadata_props entries (a tokenizer's JSON, a description): strings only. */
  metadata?: Record<string, string>;
}

export interface OnnxExportInfo {
  bytes: number;
  opset: number;
  inputShape: number[];
  outputShape: number[];
  nodes: number;
  outputs: string[];
}

const OPTION_KEYS = ['opset', 'inputShape', 'probabilities', 'classes', 'inputRange', 'metadata'];

/** The input shape the model's first layer implies, if it does. */
function impliedInputShape(model: Layer): number[] | undefined {
  const first = leafLayers(model)[0];
  if (first instanceof Dense) return [first.inFeatures];
  if (first instanceof Unflatten) return [shapeSize(first.shape)];
  if (first instanceof BatchNorm && first.type === 'BatchNorm1d') return [first.numFeatures];
  return undefined;
}

function valueInfo(name: string, shape: readonly number[]): ValueInfoProto {
  const dim = [{ dim_param: 'batch' }, ...shape.map((d) => ({ dim_value: d }))];
  return { name, type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim } } } };
}

/** Appends `layer` (a container: its layers in turn) to `g`; returns the output value and its per-sample shape. */
function exportLayer(layer: Layer, prefix: string, g: GraphBuilder, x: string, shape: number[]): [string, number[]] {
  const children = layer.children();
  if (children.length > 0) {
    let [value, s] = [x, shape];
    for (const [name, child] of children) [value, s] = exportLayer(child, `${prefix}${name}.`, g, value, s);
    return [value, s];
  }
  const mapping = mappingForLayer(layer.type);
  if (mapping === undefined)
    fail(
      'ERR_UNSUPPORTED',
      `exportOnnx: ${layer.name}: ${layer.type} layers have no ONNX mapping (mapped: ${mappedLayerTypes().join(', ')})`,
    );
  const out = layer.outputShape(shape);
  g.prefix = prefix;
  const value = mapping.exportLayer(layer, g, x, shape);
  // Lengths ride along while the steps stay (a Sequential's carryLengths: rank ≥ 2 per sample, the same first dim).
  if (out.length < 2 || out[0] !== shape[0]) g.lengths = null;
  return [value, out];
}

function checkOptions(model: unknown, options: unknown): Required<Pick<ExportOnnxOptions, 'opset' | 'probabilities'>> & ExportOnnxOptions {
  const o = optionsObject('exportOnnx', options) as ExportOnnxOptions;
  checkKnownKeys('exportOnnx', o, OPTION_KEYS);
  if (!(model instanceof Layer)) fail('ERR_INVALID_ARG', `exportOnnx: model must be a Sequential or a Layer, got ${show(model)}`);
  const opset = o.opset ?? ONNX_OPSETS.default;
  if (!Number.isInteger(opset) || opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max)
    fail('ERR_INVALID_ARG', `exportOnnx: opset must be an integer from ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}, got ${show(opset)}`);
  if (o.probabilities !== undefined && typeof o.probabilities !== 'boolean')
    fail('ERR_INVALID_ARG', `exportOnnx: probabilities must be a boolean, got ${show(o.probabilities)}`);
  if (o.inputShape !== undefined && (!Array.isArray(o.inputShape) || !o.inputShape.every((d) => Number.isSafeInteger(d) && d >= 1)))
    fail('ERR_INVALID_ARG', `exportOnnx: inputShape must be an array of positive integers (one sample's shape), got ${show(o.inputShape)}`);
  if (o.classes !== undefined && (!Array.isArray(o.classes) || !o.classes.every((c) => typeof c === 'string')))
    fail('ERR_INVALID_ARG', `exportOnnx: classes must be an array of strings, got ${show(o.classes)}`);
  if (o.inputRange !== undefined) checkInputRangeValue('exportOnnx: inputRange', o.inputRange);
  const reserved: string[] = Object.values(ONNX_METADATA_KEYS);
  for (const [k, v] of Object.entries(o.metadata ?? {})) {
    if (typeof v !== 'string') fail('ERR_INVALID_ARG', `exportOnnx: metadata "${k}" must be a string, got ${show(v)}`);
    if (reserved.includes(k)) fail('ERR_INVALID_ARG', `exportOnnx: metadata "${k}" is written by neuroblas; use the ${k} option`);
  }
  return { ...o, opset, probabilities: o.probabilities ?? false };
}

/** The .onnx file's bytes for `model` (exportOnnx without the file). */
export function encodeOnnx(model: Layer, options: ExportOnnxOptions = {}): { bytes: Uint8Array; info: OnnxExportInfo } {
  const o = checkOptions(model, options);
  const inputShape = o.inputShape ? [...o.inputShape] : impliedInputShape(model);
  if (inputShape === undefined)
    fail(
      'ERR_INVALID_ARG',
      `exportOnnx: give inputShape (one sample's shape, e.g. [1, 28, 28]): ${model.name}'s first layer does not imply it`,
    );
  model.outputShape(inputShape); // ERR_SHAPE naming the layer, before anything is written
  const g = new GraphBuilder(o.opset);
  const input = g.unique('input');
  const [out, outputShape] = exportLayer(model, '', g, input, inputShape);
  g.prefix = '';
  const outputs = [valueInfo('logits', outputShape)];
  // The node giving the output is renamed "logits" (an Identity when none does: a model of Dropout alone).
  if (g.nodes.at(-1)?.output?.[0] !== out) g.node('Identity', [out]);
  g.nodes[g.nodes.length - 1].output = ['logits'];
  if (o.probabilities) {
    const last = leafLayers(model).at(-1);
    const ending = last instanceof Activation ? last.kind : last instanceof Dense ? last.activation : undefined;
    if (ending === 'softmax' || ending === 'logSoftmax')
      fail('ERR_INVALID_ARG', `exportOnnx: ${model.name} already ends in ${ending}: probabilities would apply it twice`);
    const softmax = shapeSize(outputShape) > 1;
    const attribute = softmax ? [{ name: 'axis', type: AttributeType.INT, i: -1 }] : [];
    g.nodes.push({
      op_type: softmax ? 'Softmax' : 'Sigmoid',
      name: 'probabilities',
      input: ['logits'],
      output: ['probabilities'],
      attribute,
    });
    outputs.push(valueInfo('probabilities', outputShape));
  }
  const metadata: [string, string][] = [[ONNX_METADATA_KEYS.library, libraryVersion()]];
  if (o.classes) metadata.push([ONNX_METADATA_KEYS.classes, JSON.stringify(o.classes)]);
  if (o.inputRange) metadata.push([ONNX_METADATA_KEYS.inputRange, JSON.stringify(o.inputRange)]);
  metadata.push(...Object.entries(o.metadata ?? {}));
  const bytes = encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: o.opset }],
    producer_name: 'neuroblas',
    producer_version: libraryVersion(),
    graph: { name: model.name, node: g.nodes, initializer: g.initializers, input: [valueInfo(input, inputShape)], output: outputs },
    metadata_props: metadata.map(([key, value]) => ({ key, value })),
  });
  const info = {
    bytes: bytes.length,
    opset: o.opset,
    inputShape,
    outputShape,
    nodes: g.nodes.length,
    outputs: outputs.map((v) => v.name ?? ''),
  };
  return { bytes, info };
}

/** Writes `model` as an ONNX file at `path` (atomically); returns what was written. */
export function exportOnnx(model: Layer, path: string, options: ExportOnnxOptions = {}): OnnxExportInfo {
  if (typeof path !== 'string' || path === '') fail('ERR_INVALID_ARG', `exportOnnx: path must be a non-empty string, got ${show(path)}`);
  const { bytes, info } = encodeOnnx(model, options);
  writeFileAtomic(path, bytes, 'exportOnnx');
  return info;
}
