/**
 * The sequence examples do what their headers promise, in short runs on the real data: language identification on
 * Debian's fortunes (split by file; a GRU and a bag-of-characters MLP both learn far above chance) and the Seattle
 * temperature forecaster (2015 held out; the LSTM beats the naive forecast over 7 days). Native when requested (the
 * js backend's recurrent loop is much slower), else js.
 */
import { describe, expect, it } from 'vitest';
import { forecast } from '../../examples/forecast.js';
import { languageLines } from '../../examples/fortunes.js';
import { languageId } from '../../examples/language-id.js';
import { backends, backendNames } from '../helpers/backends.js';

const quiet = () => {};
const backend = backends[backendNames.indexOf(backendNames.includes('native') ? 'native' : 'js')];

describe(`sequence examples (${backend.name})`, () => {
  it('fortunes: train and test lines come from different files, every language on both sides', () => {
    const d = languageLines({ maxTrain: 200, maxTest: 50 });
    expect(d.languages).toEqual(['en', 'de', 'es', 'it', 'pt', 'cs', 'pl', 'eo']);
    const whole = (files: string[]) => files.filter((f) => !f.includes(' (records'));
    const trainFiles = new Set(whole(d.train.files));
    for (const f of whole(d.test.files)) expect(trainFiles.has(f), f).toBe(false);
    // Single-file languages are split by record position, and no line is on both sides.
    const trainLines = new Set(d.train.texts);
    expect(d.test.texts.filter((t) => trainLines.has(t))).toEqual([]);
    for (let c = 0; c < 8; c++) {
      expect(d.train.y.filter((y) => y === c).length, d.languages[c]).toBeGreaterThan(100);
      expect(d.test.y.filter((y) => y === c).length, d.languages[c]).toBe(50);
    }
  });

  it('language-id: 2 epochs on 300 lines per language, both models far above chance (1/8) on unseen files', async () => {
    const r = await languageId({ epochs: 2, maxTrain: 300, maxTest: 100, maxLength: 48, backend, log: quiet });
    expect(r.testLines).toBe(800);
    expect(r.gru.history).toHaveLength(2);
    expect(r.gru.accuracy).toBeGreaterThan(0.4);
    expect(r.bag.accuracy).toBeGreaterThan(0.4);
    expect(r.gru.perLanguage).toHaveLength(8);
    expect(Array.from(r.gru.matrix.counts).reduce((a, b) => a + b, 0)).toBe(800);
  }, 120_000);

  it('forecast: split at 2015-01-01, and a short LSTM run beats the naive forecast over 7 days', async () => {
    const r = await forecast({ epochs: 6, backend, log: quiet });
    expect(r.trainDays).toBe(1096);
    expect(r.testDays).toBe(365);
    expect(r.forecasts).toBe(365 - 30 - 7 + 1);
    // The baselines do not depend on training: the figures the full run prints.
    expect(r.naive.mae).toBeCloseTo(3.417, 2);
    expect(r.climatology.mae).toBeCloseTo(3.144, 2);
    expect(r.lstm.mae).toBeLessThan(r.naive.mae);
    expect(r.lstm.rmse).toBeLessThan(r.naive.rmse);
  }, 120_000);
});
