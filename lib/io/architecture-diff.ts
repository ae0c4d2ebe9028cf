/**
 * The first difference between two architectures (toConfig() JSON), for loading a file into an existing
 * model: "layer 1 (dense_7): out is 10 in the file, 20 in the model" says what to fix, where a plain
 * "does not match" would not. Layer names are ignored (they are labels, not structure).
 */
import type { LayerConfig } from '../layers/layer.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return v === undefined ? 'absent' : JSON.stringify(v);
}

function describeLayer(cfg: unknown): string {
  return isObject(cfg) && typeof cfg.type === 'string' ? cfg.type : show(cfg);
}

/** Compares two values of a config; `where` is the path so far. */
function diffValue(inFile: unknown, inModel: unknown, where: string): string | null {
  if (isObject(inFile) && isObject(inModel)) {
    if (inFile.type !== inModel.type) return `${where}: the file has a ${describeLayer(inFile)}, the model a ${describeLayer(inModel)}`;
    if (inFile.type === 'Sequential') return diffLayers(inFile.layers, inModel.layers, where);
    const keys = [...new Set([...Object.keys(inFile), ...Object.keys(inModel)])].filter((k) => k !== 'name').sort();
    for (const key of keys) {
      const d = diffValue(inFile[key], inModel[key], `${where}: ${key}`);
      if (d !== null) return d;
    }
    return null;
  }
  if (Array.isArray(inFile) && Array.isArray(inModel) && inFile.length === inModel.length) {
    for (let i = 0; i < inFile.length; i++) {
      const d = diffValue(inFile[i], inModel[i], `${where}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (JSON.stringify(inFile) === JSON.stringify(inModel)) return null;
  return `${where} is ${show(inFile)} in the file, ${show(inModel)} in the model`;
}

function diffLayers(inFile: unknown, inModel: unknown, where: string): string | null {
  const fileLayers = Array.isArray(inFile) ? inFile : [];
  const modelLayers = Array.isArray(inModel) ? inModel : [];
  const prefix = where === '' ? '' : `${where} → `;
  for (let i = 0; i < Math.max(fileLayers.length, modelLayers.length); i++) {
    const nameSuffix = isObject(modelLayers[i]) && typeof modelLayers[i].name === 'string' ? ` (${modelLayers[i].name})` : '';
    const label = `${prefix}layer ${i}${nameSuffix}`;
    if (i >= fileLayers.length)
      return (
        `${label}: the file has ${fileLayers.length} layers, the model ${modelLayers.length} ` +
        `(the next is a ${describeLayer(modelLayers[i])})`
      );
    if (i >= modelLayers.length)
      return (
        `${prefix}layer ${i}: the file has ${fileLayers.length} layers ` +
        `(the next is a ${describeLayer(fileLayers[i])}), the model ${modelLayers.length}`
      );
    const d = diffValue(fileLayers[i], modelLayers[i], label);
    if (d !== null) return d;
  }
  return null;
}

/** null when the two describe the same network (names aside), else the first difference in words. */
export function firstArchitectureDifference(inFile: LayerConfig, inModel: LayerConfig): string | null {
  if (inFile.type === 'Sequential' && inModel.type === 'Sequential') return diffLayers(inFile.layers, inModel.layers, '');
  return diffValue(inFile, inModel, 'the model');
}
