/**
 * The graph being exported: nodes in order, initializers (the weights, never listed as graph inputs), unique value
 * names. Mappings (lib/io/onnx/map/) call `node` and `weight`/`constant`; the exporter (export.ts) wraps the result in
 * a ModelProto.
 */
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

/** An attribute value as a mapping gives it: a number is an int unless listed in `floats` of node(). */
export type AttributeValue = number | number[] | string;

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** The state_dict prefix of the layer being exported ("3." in a Sequential), for its weights' names. */
  prefix = '';
  /**
   * Per-row sequence lengths (an INT32 [batch] value) riding beside the layers' output, as neuroblas carries them
   * (lib/ops/sequence-lengths.ts): set by an Embedding with a paddingIdx, read by LSTM/GRU, dropped by the exporter
   * after a layer that changes the steps.
   */
  lengths: string | null = null;
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly opset: number) {}

  /** A value name not used yet, from `base`. */
  unique(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /**
   * Appends a node and returns its (one) output's name. `floats` lists the attributes that are FLOAT(S), the rest of
   * the numbers being INT(S).
   */
  node(op: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, floats: readonly string[] = []): string {
    return this.nodeOutputs(op, inputs, 1, attributes, floats)[0];
  }

  /** A node with `count` outputs (LSTM's Y and Y_h); returns their names. */
  nodeOutputs(
    op: string,
    inputs: string[],
    count: number,
    attributes: Record<string, AttributeValue> = {},
    floats: readonly string[] = [],
  ): string[] {
    const outputs = Array.from({ length: count }, () => this.unique(`${this.prefix}${op}_output`));
    const attribute = Object.entries(attributes).map(([name, v]) => toAttribute(name, v, floats.includes(name)));
    this.nodes.push({ op_type: op, name: this.unique(`${this.prefix}${op}`), input: inputs, output: outputs, attribute });
    return outputs;
  }

  /** A layer's state tensor as an initializer named by its state_dict name (prefix + local name). */
  weight(localName: string, dims: readonly number[], data: Float32Array): string {
    return this.floatInitializer(this.unique(`${this.prefix}${localName}`), dims, data);
  }

  /** A float constant (a scalar when dims is []). */
  constant(dims: readonly number[], values: readonly number[]): string {
    return this.floatInitializer(this.unique(`${this.prefix}const`), dims, Float32Array.from(values));
  }

  /** An int64 constant (Reshape's shape, Pad's pads); a scalar when `scalar` (Gather's index of one step). */
  int64Constant(values: readonly number[], scalar = false): string {
    const name = this.unique(`${this.prefix}const`);
    this.initializers.push({ name, dims: scalar ? [] : [values.length], data_type: DataType.INT64, int64_data: [...values] });
    return name;
  }

  private floatInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    const raw = new Uint8Array(data.byteLength);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true); // ONNX's raw_data is little-endian
    this.initializers.push({ name, dims: [...dims], data_type: DataType.FLOAT, raw_data: raw });
    return name;
  }
}

function toAttribute(name: string, v: AttributeValue, float: boolean): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return float ? { name, type: AttributeType.FLOATS, floats: v } : { name, type: AttributeType.INTS, ints: v };
  return float ? { name, type: AttributeType.FLOAT, f: v } : { name, type: AttributeType.INT, i: v };
}
