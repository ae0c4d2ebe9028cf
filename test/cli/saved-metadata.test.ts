/**
 * Issue 12, item 8 (the CLI side): a model `neuroblas train` saves records its class names as data
 * (`checkpoint.classes`, not metrics entries) and the range of its raw training rows (`checkpoint.inputRange`), and
 * `predict`/`evaluate` warn in one line when rows lie far outside that range (pixels 0..255 for a model trained on
 * 0..1, say), instead of answering on the wrong scale without a word.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/io/checkpoint.js';
import { runInProcess } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-metadata-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const csv = path.join(dir, 'flowers.csv');
const model = path.join(dir, 'flowers.safetensors');
const rows = (scale: number) => {
  const lines = ['a,b,kind'];
  for (let r = 0; r < 60; r++)
    lines.push([((r % 3) + (r % 5) * 0.1) * scale, (r % 7) * 0.1 * scale, ['iris', 'rose', 'tulip'][r % 3]].join(','));
  return `${lines.join('\n')}\n`;
};

beforeAll(async () => {
  fs.writeFileSync(csv, rows(1));
  const r = await runInProcess(['train', '--data', csv, '--layers', '2-8-3', '--epochs', '2', '--backend', 'js', '--save', model]);
  expect(r.code, r.stderr).toBe(0);
});

describe('what neuroblas train saves', () => {
  it('class names as checkpoint.classes (no "class i: name" metrics), the raw rows range per feature, the backend', () => {
    const ckpt = loadModel(model, { restoreRandom: false });
    expect(ckpt.classes).toEqual(['iris', 'rose', 'tulip']);
    expect(Object.keys(ckpt.metrics).some((k) => k.startsWith('class '))).toBe(false);
    // Raw rows: the file's first layer has the standardization folded in, so the range is the CSV's own.
    expect(ckpt.inputRange?.min).toEqual([0, 0]);
    expect(ckpt.inputRange?.max.map((v) => Number(v.toFixed(4)))).toEqual([2.4, 0.6]);
    expect(ckpt.backend).toBe('js');
  });
});

describe('predict and evaluate on rows of another scale', () => {
  it('rows on the training scale: no warning', async () => {
    const r = await runInProcess(['predict', model, csv, '--backend', 'js']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
  });

  it('rows 100 times larger: one warning line on stderr saying so and what to do, from predict and from evaluate', async () => {
    const scaled = path.join(dir, 'scaled.csv');
    fs.writeFileSync(scaled, rows(100));
    for (const args of [
      ['predict', model, scaled],
      ['evaluate', model, '--data', scaled],
    ]) {
      const r = await runInProcess([...args, '--backend', 'js']);
      expect(r.code, r.stderr).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^neuroblas: warning: .*scaled\.csv: [\d.]+ % of the values lie far outside the range the model was trained on/,
      );
      expect(warnings[0]).toMatch(/scale it as the training data was/);
    }
  });
});
