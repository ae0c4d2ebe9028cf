/**
 * A text model's tokenizer and a forecaster's scaling travel in the checkpoint (metadata `tokenizer` and
 * `series_scaling`), checked against the model when saved and when loaded; a crafted entry is an ERR_IO naming the
 * file, before anything is built from it.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  GRU,
  Tensor,
  predict,
  Sequential,
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  manualSeed,
  saveModel,
  type F32Tensor,
} from '../../lib/index.js';
import { Tokenizer } from '../../lib/data/tokenizer.js';
import { seriesWindows } from '../../lib/data/windows.js';
import { CHECKSUM_KEY, checkpointChecksum } from '../../lib/io/checksum.js';
import { expectError } from '../helpers/errors.js';
import { scratchDir } from './scratch-dir.js';

const file = scratchDir('text-series');

function edited(source: string, name: string, change: (metadata: Record<string, string>, tensors: Record<string, F32Tensor>) => void) {
  const { tensors, metadata } = decodeSafetensors(new Uint8Array(fs.readFileSync(source)), source);
  change(metadata, tensors);
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  const p = file(name);
  fs.writeFileSync(p, encodeSafetensors(tensors, metadata));
  return p;
}

const tokenizer = Tokenizer.fit(['guten Tag', 'buenos días', 'bonjour 🌍'], { length: 16 });
const bagModel = () => {
  manualSeed(3);
  return new Sequential([new Dense(tokenizer.size, 8, { activation: 'relu' }), new Dense(8, 3)]);
};
const { scaling } = seriesWindows(
  Array.from({ length: 40 }, (_, i) => 10 + Math.sin(i)),
  { window: 5, horizon: 2 },
);
const forecaster = () => new Sequential([new Dense(5, 4, { activation: 'tanh' }), new Dense(4, 2)]);

describe('tokenizer in the checkpoint', () => {
  it('round-trips: the loaded tokenizer encodes as the saved one did', () => {
    const p = file('text.safetensors');
    saveModel(p, bagModel(), { tokenizer, classes: ['de', 'es', 'fr'] });
    const ckpt = loadModel(p, { restoreRandom: false });
    expect(ckpt.tokenizer).not.toBeNull();
    expect(ckpt.tokenizer!.toJSON()).toEqual(tokenizer.toJSON());
    expect(ckpt.tokenizer!.encodeBatch(['Tag 🌍 días']).ids).toEqual(tokenizer.encodeBatch(['Tag 🌍 días']).ids);
    expect(ckpt.seriesScaling).toBeNull();
  });

  it('files without one load with null', () => {
    const p = file('plain.safetensors');
    saveModel(p, bagModel());
    expect(loadModel(p, { restoreRandom: false }).tokenizer).toBeNull();
  });

  it('saveModel refuses a tokenizer that does not fit the model, or is not a Tokenizer', () => {
    const p = file('refused.safetensors');
    const small = Tokenizer.fit(['ab']);
    expectError(() => saveModel(p, bagModel(), { tokenizer: small }), 'ERR_INVALID_ARG', /tokenizer has 4 tokens, .* first Dense takes/);
    expectError(() => saveModel(p, bagModel(), { tokenizer: tokenizer.toJSON() as never }), 'ERR_INVALID_ARG', /must be a Tokenizer/);
    expectError(() => saveModel(p, forecaster(), { tokenizer, seriesScaling: scaling }), 'ERR_INVALID_ARG', /not both/);
    expect(fs.existsSync(p)).toBe(false);
  });

  it('with an Embedding model: round-trips, and a tokenizer larger than its table is refused both ways', () => {
    const p = file('gru.safetensors');
    manualSeed(4);
    const model = new Sequential([
      new Embedding(tokenizer.size, 4, { paddingIdx: 0 }),
      new GRU(4, 6, { returns: 'lastStep' }),
      new Dense(6, 3),
    ]);
    saveModel(p, model, { tokenizer });
    const back = loadModel(p, { restoreRandom: false });
    const x = new Tensor(tokenizer.encodeBatch(['guten Tag 🌍', 'días']).ids, [2, 16]);
    expect(Array.from(predict(back.model, x).data)).toEqual(Array.from(predict(model, x).data));
    const small = new Sequential([new Embedding(5, 4, { paddingIdx: 0 }), new GRU(4, 6, { returns: 'lastStep' }), new Dense(6, 3)]);
    expectError(
      () => saveModel(file('small.safetensors'), small, { tokenizer }),
      'ERR_INVALID_ARG',
      /tokenizer has \d+ tokens, .*Embedding only 5 rows/,
    );
    saveModel(file('small.safetensors'), small, { tokenizer: Tokenizer.fit(['ab']) });
    const crafted = edited(file('small.safetensors'), 'crafted-vocab.safetensors', (m) => {
      m.tokenizer = JSON.stringify(tokenizer.toJSON());
    });
    expectError(
      () => loadModel(crafted),
      'ERR_IO',
      /crafted-vocab\.safetensors: the tokenizer has \d+ tokens, the model's Embedding only 5 rows/,
    );
  });

  it('a crafted tokenizer entry is an ERR_IO naming the file and what is wrong', () => {
    const p = file('good-text.safetensors');
    saveModel(p, bagModel(), { tokenizer });
    const cases: [string, (j: Record<string, unknown>) => unknown, RegExp][] = [
      ['not-json', () => undefined, /not valid JSON/],
      ['huge-length', (j) => ({ ...j, length: 2 ** 40 }), /length must be at most/],
      ['bad-level', (j) => ({ ...j, level: 'byte' }), /level/],
      ['no-specials', (j) => ({ ...j, vocab: (j.vocab as string[]).slice(2) }), /must start with/],
      ['dup', (j) => ({ ...j, vocab: [...(j.vocab as string[]), 'a', 'a'] }), /twice|token/],
      ['not-object', () => 42, /object/],
      // A valid tokenizer of another size than the model's first layer takes.
      ['wrong-size', (j) => ({ ...j, vocab: (j.vocab as string[]).slice(0, 5) }), /tokenizer has 5 tokens/],
    ];
    for (const [name, change, message] of cases) {
      const bad = edited(p, `${name}.safetensors`, (m) => {
        const next = change(JSON.parse(m.tokenizer));
        m.tokenizer = next === undefined ? '{"level":' : JSON.stringify(next);
      });
      const err = expectError(() => loadModel(bad, { restoreRandom: false }), 'ERR_IO', message);
      expect(err.message).toContain(`${name}.safetensors`);
    }
  });
});

describe('series scaling in the checkpoint', () => {
  it('round-trips, and is checked against the model', () => {
    const p = file('forecast.safetensors');
    saveModel(p, forecaster(), { seriesScaling: scaling });
    expect(loadModel(p, { restoreRandom: false }).seriesScaling).toEqual(scaling);
    expectError(() => saveModel(p, forecaster(), { seriesScaling: { ...scaling, window: 7 } }), 'ERR_INVALID_ARG', /windows of 7 steps/);
    expectError(() => saveModel(p, forecaster(), { seriesScaling: { ...scaling, scale: [-1] } }), 'ERR_INVALID_ARG', /scale/);
  });

  it('a crafted series_scaling entry is an ERR_IO naming the file', () => {
    const p = file('good-forecast.safetensors');
    saveModel(p, forecaster(), { seriesScaling: scaling });
    const big = edited(p, 'big-window.safetensors', (m) => {
      m.series_scaling = JSON.stringify({ ...scaling, window: 1e12 });
    });
    expectError(() => loadModel(big), 'ERR_IO', /big-window\.safetensors: metadata "series_scaling" is not valid: .*too large/);
    const nan = edited(p, 'nan.safetensors', (m) => {
      m.series_scaling = JSON.stringify({ ...scaling, offset: ['NaN'] });
    });
    expectError(() => loadModel(nan), 'ERR_IO', /nan\.safetensors: .*offset/);
    const misfit = edited(p, 'misfit.safetensors', (m) => {
      m.series_scaling = JSON.stringify({ ...scaling, horizon: 3 });
    });
    expectError(() => loadModel(misfit), 'ERR_IO', /misfit\.safetensors: the model does not map windows/);
  });
});
