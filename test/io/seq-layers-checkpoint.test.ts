/**
 * The sequence layers in checkpoints: a model holding every one of them saves and loads on every backend (same
 * architecture, state_dict names and shapes as PyTorch's, predictions bit for bit, optimizer state); each layer's
 * registered stateShapes matches the state it builds (with and without bias / affine); a crafted file declaring a
 * huge Conv1d or LayerNorm is refused before anything is built; and a config that cannot be built names its problem.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  AvgPool1d,
  CHECKPOINT_FORMAT,
  Conv1d,
  Conv2d,
  Dense,
  GlobalAvgPool1d,
  GlobalAvgPool2d,
  GlobalMaxPool1d,
  GlobalMaxPool2d,
  LayerNorm,
  MaxPool1d,
  NeuroblasError,
  ReLU,
  Sequential,
  Tensor,
  encodeSafetensors,
  layerFromConfig,
  loadModel,
  saveModel,
  type F32Tensor,
  type Layer,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { declaredStateShapes } from '../../lib/layers/registry.js';
import { Random } from '../../lib/random.js';
import { onBackend } from '../helpers/async.js';
import { backends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('seq-layers');

/** [N, 3, 20] sequences → 4 logits, through every 1-D sequence layer. */
const sequenceModel = () =>
  new Sequential([
    new Conv1d(3, 6, 5, { padding: 2, rng: new Random(1) }),
    new LayerNorm(20),
    new ReLU(),
    new MaxPool1d(3, { stride: 2, padding: 1 }),
    new Conv1d(6, 5, 3, { dilation: 2, bias: false, rng: new Random(2) }),
    new AvgPool1d(2, { stride: 1 }),
    new LayerNorm(5, { elementwiseAffine: false, eps: 1e-3 }),
    new GlobalMaxPool1d(),
    new Dense(5, 4, { rng: new Random(3) }),
  ]);

/** [N, 2, 5, 7] images → 3 logits through both 2-D global pools (one model each, then added as channels). */
const imageModels = () => [
  new Sequential([new Conv2d(2, 4, 3, { padding: 1, rng: new Random(4) }), new GlobalAvgPool2d(), new Dense(4, 3, { rng: new Random(5) })]),
  new Sequential([new Conv2d(2, 4, 3, { rng: new Random(6) }), new GlobalMaxPool2d(), new Dense(4, 3, { rng: new Random(7) })]),
  new Sequential([new Conv1d(2, 4, 1, { rng: new Random(8) }), new GlobalAvgPool1d(), new Dense(4, 3, { rng: new Random(9) })]),
];

function inputs(shape: number[], seed: number): Tensor {
  return new Tensor(new Rng(seed).floats(shape.reduce((a, b) => a * b, 1)), shape);
}

describe.each(backends.map((b) => [b.name, b] as const))('save and load the sequence layers on %s', (name, backend) => {
  it('Conv1d, LayerNorm, MaxPool1d, AvgPool1d, GlobalMaxPool1d round-trip: names, shapes, predictions, optimizer', async () => {
    await onBackend(backend, async () => {
      const model = sequenceModel();
      const x = inputs([7, 3, 20], 1);
      const y = Int32Array.from({ length: 7 }, (_, i) => i % 4);
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      await model.fitBlocking(x, y, { optimizer, epochs: 2, batchSize: 4 });
      const p = file(`seq-${name}.safetensors`);
      saveModel(p, model, { optimizer, epoch: 2 });
      const ckpt = loadModel(p);
      expect(ckpt.model.toConfig()).toEqual(model.toConfig());
      expect(ckpt.model.namedState().map(([n, t]) => [n, t.shape])).toEqual([
        ['0.weight', [6, 3, 5]],
        ['0.bias', [6]],
        ['1.weight', [20]],
        ['1.bias', [20]],
        ['4.weight', [5, 6, 3]],
        ['8.weight', [5, 4]],
        ['8.bias', [4]],
      ]);
      expect(Array.from(ckpt.model.predict(x).data)).toEqual(Array.from(model.predict(x).data));
      expect(ckpt.optimizer!.state()).toEqual(optimizer.state());
    });
  });

  it('models ending in GlobalAvgPool2d, GlobalMaxPool2d and GlobalAvgPool1d round-trip', () => {
    return onBackend(backend, async () => {
      for (const [i, model] of imageModels().entries()) {
        const x = i < 2 ? inputs([3, 2, 5, 7], 2) : inputs([3, 2, 9], 3);
        const p = file(`img-${name}-${i}.safetensors`);
        saveModel(p, model);
        const loaded = loadModel(p).model;
        expect(loaded.toConfig()).toEqual(model.toConfig());
        expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(model.predict(x).data));
      }
    });
  });
});

describe('stateShapes of the sequence layers', () => {
  const layers: Layer[] = [
    new Conv1d(3, 6, 5),
    new Conv1d(2, 4, 3, { bias: false, dilation: 2 }),
    new LayerNorm(9),
    new LayerNorm(9, { elementwiseAffine: false }),
    new MaxPool1d(2),
    new AvgPool1d(3, { padding: 1 }),
    new GlobalAvgPool1d(),
    new GlobalMaxPool1d(),
    new GlobalAvgPool2d(),
    new GlobalMaxPool2d(),
  ];
  it.each(layers.map((l) => [l.type, l] as const))('%s declares exactly the state it builds', (_t, layer) => {
    const config = layer.getConfig();
    expect(declaredStateShapes(config)).toEqual(layer.namedState().map(([n, t]) => [n, [...t.shape]]));
    expect(layerFromConfig(JSON.parse(JSON.stringify(config))).getConfig()).toEqual(config);
  });

  it('a config that cannot be built names the problem', () => {
    expectError(() => layerFromConfig({ type: 'Conv1d', inChannels: 2, outChannels: 3 }), 'ERR_INVALID_ARG', /"kernelSize" is missing/);
    expectError(
      () => layerFromConfig({ type: 'Conv1d', inChannels: 2, outChannels: 3, kernelSize: [3, 3] }),
      'ERR_INVALID_ARG',
      /kernelSize must be an integer >= 1, got an array of 2/,
    );
    expectError(() => layerFromConfig({ type: 'LayerNorm', normalizedShape: 4, affine: false }), 'ERR_INVALID_ARG', /unknown key "affine"/);
    expectError(() => layerFromConfig({ type: 'LayerNorm', normalizedShape: 4, eps: '1' }), 'ERR_INVALID_ARG', /"eps" must be a number/);
    expectError(
      () => layerFromConfig({ type: 'MaxPool1d', kernelSize: 2, padding: 2 }),
      'ERR_INVALID_ARG',
      /padding must be at most half the kernel size \(2\), got 2/,
    );
    expectError(() => layerFromConfig({ type: 'GlobalAvgPool2d', size: 1 }), 'ERR_INVALID_ARG', /unknown key "size"/);
  });
});

describe('crafted checkpoints with sequence layers', () => {
  const f32 = (shape: number[]): F32Tensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  function crafted(name: string, layers: unknown[], tensors: Record<string, F32Tensor>): string {
    const metadata: Record<string, string> = {
      format: CHECKPOINT_FORMAT,
      format_version: '1',
      library_version: '0.2.0',
      architecture: JSON.stringify({ type: 'Sequential', name: 'm', layers }),
      weight_layout: '{}',
      epoch: '0',
      metrics: '{}',
      history: '[]',
      random: JSON.stringify({ s: [1, 2, 3, 4], spare: null }),
    };
    metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
    const p = file(name);
    fs.writeFileSync(p, encodeSafetensors(tensors, metadata));
    return p;
  }
  function refusedFast(p: string, message: RegExp): void {
    const start = performance.now();
    let thrown: unknown;
    try {
      loadModel(p, { restoreRandom: false });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(NeuroblasError);
    expect((thrown as NeuroblasError).code).toBe('ERR_IO');
    expect((thrown as NeuroblasError).message).toMatch(message);
    expect(performance.now() - start).toBeLessThan(500);
  }

  it('a huge Conv1d or LayerNorm declared over tiny tensors is refused before anything is built', () => {
    refusedFast(
      crafted('conv1d.safetensors', [{ type: 'Conv1d', inChannels: 65536, outChannels: 65536, kernelSize: 4096 }], {
        '0.weight': f32([1, 1, 1]),
        '0.bias': f32([1]),
      }),
      /weight "0\.weight" has shape \[1, 1, 1\], the model needs \[65536, 65536, 4096\]/,
    );
    refusedFast(
      crafted('layernorm.safetensors', [{ type: 'ReLU' }, { type: 'LayerNorm', normalizedShape: 2 ** 30 }], {
        '1.weight': f32([2]),
        '1.bias': f32([2]),
      }),
      /weight "1\.weight" has shape \[2\], the model needs \[1073741824\]/,
    );
    refusedFast(
      crafted('conv1d-nobias.safetensors', [{ type: 'Conv1d', inChannels: 2, outChannels: 3, kernelSize: 2, bias: false }], {
        '0.weight': f32([3, 2, 2]),
        '0.bias': f32([3]),
      }),
      /0\.bias/,
    );
  });
});
