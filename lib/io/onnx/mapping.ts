/**
 * What one entry of the ONNX mapping table (lib/io/onnx/map/index.ts) is: how a neuroblas layer type becomes ONNX
 * nodes, and which ONNX nodes become that layer. A new layer type is one entry: its export, and the op types whose
 * nodes it imports.
 */
import type { Layer } from '../../layers/layer.js';
import type { GraphBuilder } from './builder.js';
import type { GraphView } from './graph-view.js';
import type { NodeProto } from './proto.js';

export interface ImportMatch {
  view: GraphView;
  /** The node to map: it reads the value `x`, the output of the layers imported so far. */
  node: NodeProto;
  x: string;
  /** The per-sample shape of `x` (without the batch dimension). */
  shape: number[];
  opset: number;
  /** The value holding per-row sequence lengths riding beside `x` (set by an Embedding with a padding index), or null. */
  lengths: string | null;
}

export interface Imported {
  /** The layers the nodes become (none for nodes that change nothing: Identity, a Pad of zeros, Dropout at inference). */
  layers: Layer[];
  /** Every node the layers stand for; the importer checks that no other node reads their inner values. */
  nodes: NodeProto[];
  /** The value the layers' output is. */
  output: string;
  /** A value of per-row lengths computed by these nodes, which later nodes (LSTM's sequence_lens) may read. */
  lengths?: string;
}

export interface OnnxMapping {
  /** The neuroblas layer types (Layer.type) this entry exports. */
  layerTypes: readonly string[];
  /**
   * Appends the layer's nodes to `g`, reading value `x` of per-sample shape `shape` (already checked by the layer's
   * outputShape); returns the output value's name.
   */
  exportLayer(layer: Layer, g: GraphBuilder, x: string, shape: readonly number[]): string;
  /** The ONNX op types (default domain) of the first node this entry can import from. */
  ops: readonly string[];
  /**
   * The layers for `m.node` (and the nodes after it that belong to the same layer), null when this entry does not
   * apply, or ERR_UNSUPPORTED naming the node and the attribute it cannot map.
   */
  importNode(m: ImportMatch): Imported | null;
}
