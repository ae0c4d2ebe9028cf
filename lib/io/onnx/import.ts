/**
 * importOnnx: a neuroblas Sequential from an ONNX file whose graph is a chain of operators the mapping table
 * (lib/io/onnx/map/) knows, as torch.onnx.export writes them for MLPs and CNNs and as exportOnnx writes them.
 *
 * Nothing in the file is trusted. In order: the file is read (regular files only) and decoded (a protobuf error is an
 * ERR_IO naming the file); the model must have a graph, the default opset, one FLOAT input whose sample dims are sizes;
 * every node input must be given by a node, an initializer or the input (a missing initializer is named); the nodes
 * must have an order (a cycle is named). Then the chain is walked from the input to the first output, each step one
 * mapping entry; the first node no entry maps is ERR_UNSUPPORTED naming its operator (or its attribute). Weights are
 * allocated only from initializers whose declared dims match the bytes they hold, so a small file cannot ask for a
 * large allocation.
 */
import { show } from '../../check.js';
import { checkInputRangeValue, type InputRange } from '../../data/input-range.js';
import { NeuroblasError, fail } from '../../errors.js';
import type { Layer } from '../../layers/layer.js';
import { Sequential } from '../../layers/sequential.js';
import { readRegularFile } from '../read-file.js';
import { ONNX_METADATA_KEYS } from './export.js';
import { describeNode, elementCount, GraphView, MAX_ELEMENTS, typeName } from './graph-view.js';
import { mappedOps, mappingsForOp } from './map/index.js';
import type { Imported } from './mapping.js';
import { DataType, decodeModel, type GraphProto, type ModelProto, type NodeProto } from './proto.js';

export interface OnnxImport {
  model: Sequential;
  /** One sample's shape, from the graph's input. */
  inputShape: number[];
  outputShape: number[];
  opset: number;
  /** producer_name and producer_version ("pytorch 1.13.0", "neuroblas 0.1.0"). */
  producer: string;
  /** metadata_props: class names and input range when present (as exportOnnx writes them), and every entry as is. */
  classes: string[] | null;
  inputRange: InputRange | null;
  metadata: Record<string, string>;
}

/** Opsets whose operators the table reads with their meaning: 7 to 21 (Softmax's axis before 13 only on [batch, n]). */
const OPSETS = { min: 7, max: 21 };
const DEFAULT_DOMAINS = ['', 'ai.onnx'];

/** A Sequential from the ONNX file at `path`; see readOnnx for the rest of what the file holds. */
export function importOnnx(path: string): Sequential {
  return readOnnx(path).model;
}

/** The model in the ONNX file at `path`, with its shapes, opset, producer and metadata. */
export function readOnnx(path: string): OnnxImport {
  if (typeof path !== 'string' || path === '') fail('ERR_INVALID_ARG', `importOnnx: path must be a non-empty string, got ${show(path)}`);
  return decodeOnnx(readRegularFile(path, 'the ONNX model'), path);
}

/** readOnnx on bytes; `file` names them in messages. */
export function decodeOnnx(bytes: Uint8Array, file: string): OnnxImport {
  try {
    if (bytes.length === 0) fail('ERR_IO', `${file}: the file is empty`);
    let proto: ModelProto;
    try {
      proto = decodeModel(bytes);
    } catch (e) {
      throw new NeuroblasError('ERR_IO', `${file}: not an ONNX model, or a damaged one (${(e as Error)?.message ?? String(e)})`, {
        cause: e,
      });
    }
    return fromProto(proto, file);
  } catch (e) {
    if (e instanceof NeuroblasError)
      throw e.message.startsWith(`${file}: `) ? e : new NeuroblasError(e.code, `${file}: ${e.message}`, { cause: e });
    // A file can make anything fail; whatever is not already the library's error is the file's problem.
    const why = `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    throw new NeuroblasError('ERR_IO', `${file}: cannot import the ONNX model (${why})`, { cause: e });
  }
}

function fromProto(proto: ModelProto, file: string): OnnxImport {
  const graph = proto.graph;
  if (!proto.ir_version || graph === undefined)
    fail('ERR_IO', `${file}: not an ONNX model (no ${graph === undefined ? 'graph' : 'ir_version'})`);
  const opset = proto.opset_import?.find((o) => DEFAULT_DOMAINS.includes(o.domain ?? ''))?.version;
  if (opset === undefined) fail('ERR_IO', `${file}: the model imports no version of the default ONNX opset`);
  if (opset < OPSETS.min || opset > OPSETS.max)
    fail('ERR_UNSUPPORTED', `${file}: opset ${opset} is not supported (neuroblas reads opsets ${OPSETS.min}–${OPSETS.max})`);
  const nodes = graph.node ?? [];
  const view = new GraphView(file, nodes, graph.initializer ?? []);
  const [input, inputShape, ids] = graphInput(graph, view, file);
  checkOrder(nodes, view, input, file);
  const target = graph.output?.[0]?.name;
  if (!target) fail('ERR_IO', `${file}: the graph has no output`);
  const layers = walk(view, input, inputShape, target, opset, graph);
  if (ids && layers[0]?.type !== 'Embedding')
    fail(
      'ERR_UNSUPPORTED',
      `${file}: the input is integer (token ids) but the first layer is ${layers[0]?.type ?? 'none'}, not an Embedding`,
    );
  const model = new Sequential(layers);
  const metadata = Object.fromEntries((proto.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return {
    model,
    inputShape,
    outputShape: model.outputShape(inputShape),
    opset,
    producer: `${proto.producer_name ?? ''} ${proto.producer_version ?? ''}`.trim(),
    classes: savedClasses(metadata, file),
    inputRange: savedInputRange(metadata, file),
    metadata,
  };
}

/** The graph's one real input (graph inputs that are initializers are defaults, not inputs) and its sample shape. */
function graphInput(graph: GraphProto, view: GraphView, file: string): [string, number[], boolean] {
  const inputs = (graph.input ?? []).filter((v) => !view.isConstant(v.name ?? ''));
  if (inputs.length !== 1)
    fail(
      'ERR_UNSUPPORTED',
      `${file}: the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); neuroblas imports models with one`,
    );
  const { name, type } = inputs[0];
  const tensorType = type?.tensor_type;
  if (!name || tensorType === undefined) fail('ERR_IO', `${file}: the graph's input has no name or no tensor type`);
  // Integer inputs are token ids (PyTorch's Embedding): neuroblas takes them as numbers, which an Embedding first reads.
  const ids = tensorType.elem_type === DataType.INT64 || tensorType.elem_type === DataType.INT32;
  if (tensorType.elem_type !== DataType.FLOAT && !ids)
    fail('ERR_UNSUPPORTED', `${file}: input "${name}" is ${typeName(tensorType.elem_type)}; neuroblas takes FLOAT inputs (or token ids)`);
  const dims = tensorType.shape?.dim ?? [];
  if (dims.length < 2)
    fail('ERR_UNSUPPORTED', `${file}: input "${name}" must be [batch, …] with the sample's sizes given, got rank ${dims.length}`);
  const shape = dims.slice(1).map((d, i) => {
    const v = d.dim_value;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      fail(
        'ERR_UNSUPPORTED',
        `${file}: input "${name}" dimension ${i + 1} is ${d.dim_param ? `"${d.dim_param}"` : show(v)}: not a fixed size`,
      );
    return v;
  });
  elementCount(shape, `input "${name}"`, file); // at most MAX_ELEMENTS per sample
  if (shape.reduce((n, d) => n * d, 1) > MAX_ELEMENTS) fail('ERR_IO', `${file}: input "${name}" is too large`);
  return [name, shape, ids];
}

/** Every node input exists, and the nodes have an order (no cycle): Kahn's algorithm over the values. */
function checkOrder(nodes: NodeProto[], view: GraphView, input: string, file: string): void {
  const waiting = new Map<NodeProto, number>();
  const ready: NodeProto[] = [];
  for (const node of nodes) {
    let pending = 0;
    for (const v of new Set(node.input ?? [])) {
      if (v === '' || v === input) continue;
      if (!view.has(v))
        fail('ERR_IO', `${file}: ${describeNode(node)} reads "${v}", which no node, initializer or input gives (a missing initializer?)`);
      if (view.producer.has(v) && !view.isConstant(v)) pending++;
    }
    waiting.set(node, pending);
    if (pending === 0) ready.push(node);
  }
  let done = 0;
  while (ready.length > 0) {
    const node = ready.pop() as NodeProto;
    done++;
    for (const out of node.output ?? []) {
      if (view.isConstant(out)) continue;
      for (const next of view.consumers.get(out) ?? []) {
        const left = (waiting.get(next) ?? 0) - 1;
        waiting.set(next, left);
        if (left === 0) ready.push(next);
      }
    }
  }
  if (done < nodes.length) {
    const stuck = nodes.find((n) => (waiting.get(n) ?? 0) > 0) as NodeProto;
    fail('ERR_IO', `${file}: the graph has a cycle (through ${describeNode(stuck)}): its nodes have no order`);
  }
}

/** The first mapping that imports `node`, or ERR_UNSUPPORTED naming it. */
function importStep(view: GraphView, node: NodeProto, x: string, shape: number[], opset: number, lengths: string | null): Imported | null {
  if (!DEFAULT_DOMAINS.includes(node.domain ?? ''))
    fail('ERR_UNSUPPORTED', `${view.file}: ${describeNode(node)}: operator domain "${node.domain}" is not supported`);
  for (const mapping of mappingsForOp(node.op_type ?? '')) {
    try {
      const result = mapping.importNode({ view, node, x, shape, opset, lengths });
      if (result !== null) return result;
    } catch (e) {
      if (!(e instanceof NeuroblasError) || e.message.startsWith(`${view.file}: `)) throw e;
      // A layer refused what the node asks (a pool's padding beyond half its window): name the node.
      throw new NeuroblasError('ERR_UNSUPPORTED', `${view.file}: ${describeNode(node)}: ${e.message}`, { cause: e });
    }
  }
  return null;
}

function walk(view: GraphView, input: string, inputShape: number[], target: string, opset: number, graph: GraphProto): Layer[] {
  const file = view.file;
  const consumed = new Set<NodeProto>();
  const layers: Layer[] = [];
  let [x, shape] = [input, inputShape];
  let lengths: string | null = null;
  while (x !== target) {
    const readers = (view.consumers.get(x) ?? []).filter((n) => !consumed.has(n));
    if (readers.length === 0) fail('ERR_IO', `${file}: value "${x}" is read by no node, and the output "${target}" is not reached`);
    let step: Imported | null = null;
    for (const node of readers) {
      step = importStep(view, node, x, shape, opset, lengths);
      if (step !== null) break;
    }
    if (step === null) {
      const node = readers.find((n) => mappingsForOp(n.op_type ?? '').length === 0) ?? readers[0];
      const known = mappingsForOp(node.op_type ?? '').length > 0;
      fail(
        'ERR_UNSUPPORTED',
        known
          ? `${file}: ${describeNode(node)}: this use of ${node.op_type} is not supported`
          : `${file}: ${describeNode(node)}: operator ${node.op_type} is not supported (neuroblas maps ${mappedOps().join(', ')})`,
      );
    }
    checkSelfContained(view, step, readers, graph);
    for (const node of step.nodes) consumed.add(node);
    for (const layer of step.layers) {
      const before = shape;
      try {
        shape = layer.outputShape(shape);
      } catch (e) {
        throw new NeuroblasError('ERR_IO', `${file}: ${describeNode(step.nodes[0])}: ${(e as Error).message}`, { cause: e });
      }
      // Lengths ride along while the steps stay, as a Sequential carries them (lib/ops/sequence-lengths.ts).
      if (shape.length < 2 || shape[0] !== before[0]) lengths = null;
      layers.push(layer);
    }
    if (step.lengths !== undefined) lengths = step.lengths;
    x = step.output;
  }
  for (const node of view.consumers.get(target) ?? []) if (isProbabilityHead(node, graph)) consumed.add(node);
  const left = graph.node?.find((n) => !consumed.has(n) && !(n.output ?? []).every((o) => o === '' || view.isConstant(o)));
  if (left !== undefined)
    fail(
      'ERR_UNSUPPORTED',
      `${file}: ${describeNode(left)} is not on the chain from the input to "${target}" (neuroblas imports chains of layers)`,
    );
  return layers;
}

/** A Softmax or Sigmoid of the logits giving another graph output: exportOnnx's probabilities, left out on import. */
function isProbabilityHead(node: NodeProto, graph: GraphProto): boolean {
  const out = node.output?.[0];
  return (node.op_type === 'Softmax' || node.op_type === 'Sigmoid') && (graph.output ?? []).some((o) => o.name === out);
}

/** The step's nodes are all that read `x`, and nothing outside them reads their inner values. */
function checkSelfContained(view: GraphView, step: Imported, readers: NodeProto[], graph: GraphProto): void {
  const outside = readers.find((n) => !step.nodes.includes(n));
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  if (outside !== undefined)
    fail(
      'ERR_UNSUPPORTED',
      `${view.file}: ${describeNode(outside)} also reads "${readers[0].input?.[0]}": a branch (neuroblas imports chains of layers)`,
    );
  for (const node of step.nodes) {
    for (const out of node.output ?? []) {
      if (out === '' || out === step.output || out === step.lengths) continue;
      const other = (view.consumers.get(out) ?? []).find((n) => !step.nodes.includes(n));
      if (other !== undefined || outputs.has(out))
        fail('ERR_UNSUPPORTED', `${view.file}: "${out}" is used ${other ? `by ${describeNode(other)}` : 'as a graph output'}: a branch`);
    }
  }
}

function savedClasses(metadata: Record<string, string>, file: string): string[] | null {
  const text = metadata[ONNX_METADATA_KEYS.classes];
  if (text === undefined) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string'))
    fail('ERR_IO', `${file}: metadata "classes" is not a JSON array of strings`);
  return v;
}

function savedInputRange(metadata: Record<string, string>, file: string): InputRange | null {
  const text = metadata[ONNX_METADATA_KEYS.inputRange];
  if (text === undefined) return null;
  try {
    return checkInputRangeValue('input_range', JSON.parse(text));
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: metadata "input_range" is not { min, max } arrays of finite numbers`, { cause: e });
  }
}
