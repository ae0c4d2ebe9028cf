/**
 * Item 8 (checkpoint side): what a model was trained on travels with it. The training features' range
 * (`inputRange`) and the class names (`classes`) are checkpoint data, returned by loadModel; data on another scale
 * than the training data (pixels 0..255 against 0..1) is one warning line from checkInputRange, not a silent 85 %.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Dense,
  Sequential,
  checkInputRange,
  decodeSafetensors,
  encodeSafetensors,
  inputRangeOf,
  loadModel,
  saveModel,
  Tensor,
  type F32Tensor,
} from '../../lib/index.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { expectError } from '../helpers/errors.js';
import { FEATURES, makeModel } from './checkpoint-fixtures.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('metadata');

function edited(source: string, name: string, change: (tensors: Record<string, F32Tensor>, metadata: Record<string, string>) => void) {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(source)), source);
  change(tensors, metadata);
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  const p = file(name);
  fs.writeFileSync(p, encodeSafetensors(tensors, metadata));
  return p;
}

describe('inputRange and classes in the checkpoint', () => {
  it('round-trip through saveModel and loadModel', () => {
    const p = file('iris.safetensors');
    const inputRange = { min: [0, -1, 2, 0, 0, 0], max: [1, 1, 3, 5, 0, 7] };
    saveModel(p, makeModel(), { inputRange, classes: ['setosa', 'versicolor', 'virginica'] });
    const ckpt = loadModel(p, { restoreRandom: false });
    expect(ckpt.inputRange).toEqual(inputRange);
    expect(ckpt.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ckpt.metrics).toEqual({});
  });

  it('one range for every feature (images)', () => {
    const p = file('pixels.safetensors');
    saveModel(p, makeModel(), { inputRange: { min: [0], max: [1] } });
    expect(loadModel(p, { restoreRandom: false }).inputRange).toEqual({ min: [0], max: [1] });
  });

  it('absent in files saved without them: null', () => {
    const p = file('plain.safetensors');
    saveModel(p, makeModel(), { metrics: { loss: 0.5 } });
    const ckpt = loadModel(p, { restoreRandom: false });
    expect(ckpt.inputRange).toBeNull();
    expect(ckpt.classes).toBeNull();
  });

  it('older files whose class names ride in metrics ("class 0: setosa": 0) give them as classes', () => {
    const p = file('old-cli.safetensors');
    const metrics = { accuracy: 0.9, 'class 0: setosa': 0, 'class 1: versicolor': 1, 'class 2: virginica': 2 };
    saveModel(p, makeModel(), { metrics });
    const ckpt = loadModel(p, { restoreRandom: false });
    expect(ckpt.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ckpt.metrics).toEqual(metrics); // unchanged, as older readers of the file see them
    const partial = file('old-partial.safetensors');
    saveModel(partial, makeModel(), { metrics: { 'class 0: a': 0, 'class 2: c': 2 } });
    expect(loadModel(partial, { restoreRandom: false }).classes).toBeNull();
  });

  it('bad values are refused before anything is written', () => {
    const p = file('bad.safetensors');
    const model = makeModel();
    expectError(() => saveModel(p, model, { classes: ['a', 'b'] }), 'ERR_INVALID_ARG', /classes names 2 classes, .* has 3 outputs/);
    expectError(() => saveModel(p, model, { classes: ['a', 'b', 'a'] }), 'ERR_INVALID_ARG', /classes names "a" twice/);
    expectError(() => saveModel(p, model, { classes: 'abc' as never }), 'ERR_INVALID_ARG', /classes must be an array of non-empty strings/);
    expectError(
      () => saveModel(p, model, { inputRange: { min: [0, 0], max: [1, 1] } }),
      'ERR_INVALID_ARG',
      new RegExp(`inputRange has 2 features, .* takes ${FEATURES} \\(or give one for all\\)`),
    );
    expectError(() => saveModel(p, model, { inputRange: { min: [2], max: [1] } }), 'ERR_INVALID_ARG', /inputRange\.min\[0\] is 2, above/);
    expectError(
      () => saveModel(p, model, { inputRange: { min: [NaN], max: [1] } }),
      'ERR_INVALID_ARG',
      /inputRange must be \{ min, max \}/,
    );
    expect(fs.existsSync(p)).toBe(false);
  });

  it('a damaged input_range or classes entry is an ERR_IO naming the file', () => {
    const p = file('good.safetensors');
    saveModel(p, makeModel(), { inputRange: { min: [0], max: [1] }, classes: ['a', 'b', 'c'] });
    const range = edited(p, 'bad-range.safetensors', (_, m) => {
      m.input_range = '{"min":[1],"max":[0]}';
    });
    expectError(() => loadModel(range), 'ERR_IO', /bad-range\.safetensors: metadata "input_range" is not \{ min, max \}/);
    const classes = edited(p, 'bad-classes.safetensors', (_, m) => {
      m.classes = '[1, 2, 3]';
    });
    expectError(() => loadModel(classes), 'ERR_IO', /bad-classes\.safetensors: metadata "classes" is not an array of class names/);
  });
});

describe('checkInputRange', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Pixels as a model trained on 0..1 saw them, and the same images as 0..255.
  const rows = 50;
  const pixels = Float32Array.from({ length: rows * 16 }, (_, i) => ((i * 37) % 101) / 100);
  const raw = pixels.map((v) => Math.round(v * 255));

  it('data on another scale (0..255 against 0..1): one warning line, per feature or overall', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    for (const range of [inputRangeOf(pixels, 16), inputRangeOf(pixels, 16, { perFeature: false })]) {
      const report = checkInputRange(range, new Tensor(raw, [rows, 16]), 'evaluate');
      expect(report.fraction).toBeGreaterThan(0.9);
      expect(report.message).toMatch(/^evaluate: \d+\.\d % of the values lie far outside the range the model was trained on /);
      expect(report.message).toMatch(/ \(training 0\.\.1, this data 0\.\.255\); scale it as the training data was/);
      expect(report.message).not.toContain('\n');
    }
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0][1]).toEqual({ code: 'NEUROBLAS_INPUT_RANGE' });
  });

  it('data on the training scale, a few outliers, no range recorded, or warn: false: no warning', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const range = inputRangeOf(pixels, 16);
    expect(checkInputRange(range, pixels, 'predict').message).toBeNull();
    const fewOutliers = pixels.slice();
    for (let i = 0; i < 5; i++) fewOutliers[i * 16] = 255; // 5 of 800 values: 0.6 %
    const report = checkInputRange(range, fewOutliers, 'predict');
    expect(report.outside).toBe(5);
    expect(report.message).toBeNull();
    expect(checkInputRange(null, raw, 'predict').message).toBeNull();
    expect(checkInputRange(range, raw, 'predict', { warn: false }).message).not.toBeNull();
    expect(warn).not.toHaveBeenCalled();
  });

  it('a constant training feature tolerates the widest span; a shape that does not fit is an ERR_SHAPE', () => {
    const range = { min: [0, 0], max: [0, 1] };
    expect(checkInputRange(range, Float32Array.from([0.5, 0.5, 0.9, 1]), 'x', { warn: false }).outside).toBe(0);
    expect(checkInputRange(range, Float32Array.from([3, 0.5, 0.9, 1]), 'x', { warn: false }).outside).toBe(1);
    expectError(() => checkInputRange(range, new Tensor(new Float32Array(6), [2, 3]), 'x'), 'ERR_SHAPE', /trained on rows of 2 features/);
  });

  it('end to end: the range saved with a model catches 0..255 data given to the loaded one', () => {
    const p = file('scale.safetensors');
    saveModel(p, new Sequential([new Dense(16, 3)]), { inputRange: inputRangeOf(pixels, 16) });
    const ckpt = loadModel(p, { restoreRandom: false });
    expect(checkInputRange(ckpt.inputRange, raw, 'evaluate', { warn: false }).message).toMatch(/far outside/);
  });
});
