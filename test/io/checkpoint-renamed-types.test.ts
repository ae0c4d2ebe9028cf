/**
 * Layer types renamed since files were first written still load: a checkpoint written before 0.2 says "Linear"
 * for the identity activation (now "Identity"); it builds, and it matches a model built today (loadModel's expect).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dense, Identity, ReLU, Sequential, decodeSafetensors, encodeSafetensors, loadModel, saveModel } from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('renamed');

/** `model` saved as a 0.1 neuroblas would have: every "Identity" in the architecture written as "Linear". */
function saveAsBefore02(path: string, model: Sequential): void {
  saveModel(path, model);
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(path), path);
  metadata.architecture = metadata.architecture.replaceAll('"type":"Identity"', '"type":"Linear"');
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  fs.writeFileSync(path, encodeSafetensors(tensors, metadata));
}

describe('renamed layer types', () => {
  it('a file that says "Linear" loads as Identity, nested too, and matches a model built today', () => {
    const model = new Sequential([
      new Dense(3, 4),
      new Identity({ name: 'id' }),
      new Sequential([new ReLU(), new Identity()]),
      new Dense(4, 2),
    ]);
    const path = file('old.safetensors');
    saveAsBefore02(path, model);
    expect(decodeSafetensors(fs.readFileSync(path), path).metadata.architecture).toContain('"type":"Linear"');

    const loaded = loadModel(path).model;
    expect(loaded.layers[1]).toBeInstanceOf(Identity);
    expect(loaded.layers[1].name).toBe('id');
    expect((loaded.layers[2] as Sequential).layers[1]).toBeInstanceOf(Identity);
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(loaded.toConfig()).toEqual(model.toConfig());

    const into = Sequential.fromConfig(model.toConfig());
    loadModel(path, { expect: into });
    expect(into.getWeights()).toEqual(model.getWeights());
    expect(Sequential.load(path).toConfig()).toEqual(model.toConfig());
  });
});
