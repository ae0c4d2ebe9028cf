/**
 * An ONNX graph as the importer reads it: who produces and who consumes each value, the constants (initializers,
 * Constant nodes, Identity of a constant), and typed access to attributes. Nothing here trusts the file: a tensor's
 * declared dims are compared with the bytes it holds before anything is allocated, and every problem names the file.
 */
import { NeuroblasError, fail } from '../../errors.js';
import { AttributeType, DataType, type AttributeProto, type NodeProto, type TensorProto } from './proto.js';

/** The largest element count accepted for one tensor or one sample (2^31 − 1: what the kernels address). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export interface FloatConstant {
  dims: number[];
  data: Float32Array;
}

const TYPE_NAMES: Record<number, string> = {
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  16: 'BFLOAT16',
};

export function typeName(t: number | undefined): string {
  return TYPE_NAMES[t ?? 0] ?? `type ${t ?? 'undefined'}`;
}

/** "node "name" (Op)" for messages. */
export function describeNode(node: NodeProto): string {
  return `node "${node.name || node.output?.[0] || '?'}" (${node.op_type || '?'})`;
}

/** The element count of `dims`, or a failure naming `what` when a dim is not a size or the product is beyond MAX_ELEMENTS. */
export function elementCount(dims: readonly unknown[], what: string, file: string): number {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
      fail('ERR_IO', `${file}: ${what} has dims [${dims.join(', ')}]: not sizes`);
    n *= d;
    if (n > MAX_ELEMENTS) fail('ERR_IO', `${file}: ${what} declares dims [${dims.join(', ')}], more than ${MAX_ELEMENTS} elements`);
  }
  return n;
}

export class GraphView {
  /** The node producing each value. */
  readonly producer = new Map<string, NodeProto>();
  /** The nodes reading each value, in graph order. */
  readonly consumers = new Map<string, NodeProto[]>();
  private readonly tensors = new Map<string, TensorProto>();
  private readonly floats = new Map<string, FloatConstant>();

  constructor(
    readonly file: string,
    readonly nodes: NodeProto[],
    initializers: TensorProto[],
  ) {
    for (const t of initializers) {
      if (!t.name) fail('ERR_IO', `${file}: an initializer has no name`);
      if (this.tensors.has(t.name)) fail('ERR_IO', `${file}: two initializers are named "${t.name}"`);
      this.tensors.set(t.name, t);
    }
    for (const node of nodes) {
      for (const out of node.output ?? []) {
        if (out === '') continue;
        if (this.producer.has(out) || this.tensors.has(out))
          fail('ERR_IO', `${file}: value "${out}" is produced twice (${describeNode(node)})`);
        this.producer.set(out, node);
      }
      for (const input of node.input ?? []) {
        if (input === '') continue;
        const list = this.consumers.get(input);
        if (list === undefined) this.consumers.set(input, [node]);
        else if (!list.includes(node)) list.push(node);
      }
    }
    // Constant nodes and Identity of a constant (PyTorch writes one when two initializers hold equal values) are constants.
    for (const node of nodes) {
      const out = node.output?.[0];
      if (node.op_type === 'Constant' && out) this.tensors.set(out, constantNodeTensor(node, file));
    }
  }

  has(name: string): boolean {
    return this.isConstant(name) || this.producer.has(name);
  }

  /** An initializer, a Constant node's output, or an Identity of one (followed at most 64 deep: a crafted loop ends). */
  isConstant(name: string, depth = 0): boolean {
    if (this.tensors.has(name)) return true;
    const node = this.producer.get(name);
    return depth < 64 && node?.op_type === 'Identity' && this.isConstant(node.input?.[0] ?? '', depth + 1);
  }

  private tensor(name: string, where: string): TensorProto {
    const t = this.tensors.get(name);
    if (t !== undefined) return t;
    const node = this.producer.get(name);
    if (node?.op_type === 'Identity' && this.isConstant(node.input?.[0] ?? '')) return this.tensor(node.input?.[0] ?? '', where);
    fail('ERR_UNSUPPORTED', `${this.file}: ${where}: input "${name}" must be a constant (an initializer), but the graph computes it`);
  }

  /** A float constant, checked: FLOAT type, dims matching the data it holds, no external data. */
  float(name: string, where: string): FloatConstant {
    const cached = this.floats.get(name);
    if (cached !== undefined) return cached;
    const t = this.tensor(name, where);
    const what = `tensor "${name}"`;
    if (t.data_location === 1)
      fail('ERR_UNSUPPORTED', `${this.file}: ${what} keeps its data in an external file, which neuroblas does not read`);
    if (t.data_type !== DataType.FLOAT) fail('ERR_UNSUPPORTED', `${this.file}: ${where}: ${what} is ${typeName(t.data_type)}, not FLOAT`);
    const dims = t.dims ?? [];
    const n = elementCount(dims, what, this.file);
    let data: Float32Array;
    if (t.raw_data !== undefined && t.raw_data.length > 0) {
      if (t.raw_data.length !== 4 * n)
        fail('ERR_IO', `${this.file}: ${what} declares dims [${dims.join(', ')}] (${n} floats) but holds ${t.raw_data.length} bytes`);
      data = new Float32Array(n);
      const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
    } else {
      const values = t.float_data ?? [];
      if (values.length !== n) fail('ERR_IO', `${this.file}: ${what} declares dims [${dims.join(', ')}] but holds ${values.length} floats`);
      data = Float32Array.from(values);
    }
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail('ERR_IO', `${this.file}: ${what} holds ${data[bad]} at index ${bad}: weights must be finite numbers`);
    const c = { dims: [...dims], data };
    this.floats.set(name, c);
    return c;
  }

  /** A constant's single value (any shape of one element), or undefined when it is not a one-element float constant. */
  scalar(name: string): number | undefined {
    if (!this.isConstant(name)) return undefined;
    const t = this.tensor(name, '');
    if (t.data_type !== DataType.FLOAT) return undefined;
    const c = this.float(name, `tensor "${name}"`);
    return c.data.length === 1 ? c.data[0] : undefined;
  }

  /** An INT64 constant's values (Reshape's shape, Pad's pads), as numbers. */
  ints(name: string, where: string): number[] {
    const t = this.tensor(name, where);
    const what = `tensor "${name}"`;
    if (t.data_type !== DataType.INT64) fail('ERR_UNSUPPORTED', `${this.file}: ${where}: ${what} is ${typeName(t.data_type)}, not INT64`);
    const n = elementCount(t.dims ?? [], what, this.file);
    if (t.raw_data !== undefined && t.raw_data.length > 0) {
      if (t.raw_data.length !== 8 * n)
        fail('ERR_IO', `${this.file}: ${what} declares ${n} int64 values but holds ${t.raw_data.length} bytes`);
      const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
      return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    const values = t.int64_data ?? [];
    if (values.length !== n) fail('ERR_IO', `${this.file}: ${what} declares ${n} int64 values but holds ${values.length}`);
    return values.map(Number);
  }
}

function constantNodeTensor(node: NodeProto, file: string): TensorProto {
  const a = node.attribute?.[0];
  if (node.attribute?.length !== 1 || a === undefined) fail('ERR_IO', `${file}: ${describeNode(node)} must have exactly one attribute`);
  if (a.name === 'value' && a.t !== undefined) return a.t;
  if (a.name === 'value_float' && a.f !== undefined) return { dims: [], data_type: DataType.FLOAT, float_data: [a.f] };
  if (a.name === 'value_floats') return { dims: [a.floats?.length ?? 0], data_type: DataType.FLOAT, float_data: a.floats ?? [] };
  if (a.name === 'value_int' && a.i !== undefined) return { dims: [], data_type: DataType.INT64, int64_data: [a.i] };
  if (a.name === 'value_ints') return { dims: [a.ints?.length ?? 0], data_type: DataType.INT64, int64_data: a.ints ?? [] };
  fail('ERR_UNSUPPORTED', `${file}: ${describeNode(node)}: attribute "${a.name}" is not supported`);
}

/**
 * A node's attributes by name, each read at most once: `done()` then refuses any attribute no mapping asked for, so an
 * attribute neuroblas does not understand is named rather than ignored.
 */
export class Attributes {
  private readonly byName = new Map<string, AttributeProto>();
  private readonly read = new Set<string>();

  constructor(
    private readonly node: NodeProto,
    private readonly file: string,
  ) {
    for (const a of node.attribute ?? []) {
      if (a.ref_attr_name) this.unsupported(a.name ?? '?', 'refers to a function attribute');
      this.byName.set(a.name ?? '', a);
    }
  }

  private get(name: string, type: number): AttributeProto | undefined {
    this.read.add(name);
    const a = this.byName.get(name);
    if (a !== undefined && a.type !== undefined && a.type !== type)
      fail('ERR_IO', `${this.file}: ${describeNode(this.node)}: attribute "${name}" has the wrong type (${a.type})`);
    return a;
  }

  int(name: string, fallback: number): number {
    return this.get(name, AttributeType.INT)?.i ?? fallback;
  }

  float(name: string, fallback: number): number {
    return this.get(name, AttributeType.FLOAT)?.f ?? fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, AttributeType.INTS);
    return a === undefined ? undefined : (a.ints ?? []);
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a?.s === undefined ? fallback : new TextDecoder().decode(a.s);
  }

  /** ERR_UNSUPPORTED naming the node and the attribute's value. */
  unsupported(name: string, why: string): never {
    fail('ERR_UNSUPPORTED', `${this.file}: ${describeNode(this.node)}: attribute "${name}" ${why}`);
  }

  /** Refuses the attributes no one read. */
  done(): void {
    for (const name of this.byName.keys()) {
      if (!this.read.has(name)) this.unsupported(name, 'is not supported by neuroblas');
    }
  }
}

/** True when the error is one of ours (kept as is); anything else the importer wraps. */
export function isOurs(e: unknown): e is NeuroblasError {
  return e instanceof NeuroblasError;
}
