/**
 * The ONNX mapping table: one entry per layer family (lib/io/onnx/mapping.ts says what an entry is). The exporter
 * finds a layer's entry by Layer.type, the importer a node's by its op type; a new layer type is one entry here.
 */
import type { OnnxMapping } from '../mapping.js';
import { activationMapping } from './activations.js';
import { convMapping, padMapping, poolMapping } from './conv-pool.js';
import { denseMapping } from './dense.js';
import { batchNormMapping, dropoutMapping, flattenMapping, unflattenMapping } from './norm-shape.js';
import { globalPoolMapping, layerNormMapping, targetScalingMapping } from './sequence.js';
import { embeddingMapping, recurrentMapping } from './recurrent.js';

export const ONNX_MAPPINGS: readonly OnnxMapping[] = [
  denseMapping,
  convMapping,
  poolMapping,
  padMapping,
  batchNormMapping,
  flattenMapping,
  unflattenMapping,
  dropoutMapping,
  activationMapping,
  // After the activations, whose trees start with Mul too.
  targetScalingMapping,
  globalPoolMapping,
  layerNormMapping,
  embeddingMapping,
  recurrentMapping,
];

/** The entry exporting layer type `type`, if any. */
export function mappingForLayer(type: string): OnnxMapping | undefined {
  return ONNX_MAPPINGS.find((m) => m.layerTypes.includes(type));
}

/** The entries that may import a node of op type `op` (several may; the first that matches wins). */
export function mappingsForOp(op: string): OnnxMapping[] {
  return ONNX_MAPPINGS.filter((m) => m.ops.includes(op));
}

/** Every layer type that exports, and every op type that imports, sorted (for messages and the README). */
export function mappedLayerTypes(): string[] {
  return [...new Set(ONNX_MAPPINGS.flatMap((m) => m.layerTypes))].sort();
}

export function mappedOps(): string[] {
  return [...new Set(ONNX_MAPPINGS.flatMap((m) => m.ops))].sort();
}
