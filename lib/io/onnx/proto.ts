/**
 * ONNX's protobuf messages, encoded and decoded by protobufjs (light build) from the vendored descriptor of the official
 * onnx.proto (lib/io/onnx/onnx-descriptor.ts). The interfaces below type the fields neuroblas reads and writes, with the
 * proto's own names; decoding turns 64-bit integers into numbers (a value beyond 2^53 is then inexact, and too large to
 * be a size anyway, which the readers check).
 */
import protobuf from 'protobufjs/light.js';
import { ONNX_DESCRIPTOR } from './onnx-descriptor.js';

/** TensorProto.DataType values neuroblas reads or writes. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int64_data?: number[];
  raw_data?: Uint8Array;
  name?: string;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  ref_attr_name?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface Dimension {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Dimension[] } } };
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparse_initializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

export interface ModelProto {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: { key?: string; value?: string }[];
  functions?: unknown[];
}

let modelType: protobuf.Type | undefined;

function ModelType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/** The bytes of an .onnx file. Throws protobufjs's own error for a value it cannot encode (a bug here, not the user's). */
export function encodeModel(model: ModelProto): Uint8Array {
  const type = ModelType();
  return type.encode(type.fromObject(model as Record<string, unknown>)).finish();
}

/**
 * The message in `bytes`, as plain objects (repeated fields always arrays, 64-bit integers numbers). Throws
 * protobufjs's errors (wire-format problems) and RangeError (nesting deep enough to exhaust the stack) for a damaged or
 * foreign file: the caller turns them into ERR_IO naming the file.
 */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const type = ModelType();
  return type.toObject(type.decode(bytes), { longs: Number, enums: Number, arrays: true }) as ModelProto;
}
