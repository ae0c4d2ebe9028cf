/**
 * `neuroblas train` on text (label<TAB>text lines from Debian's fortunes) and on a series (vega-datasets' Seattle
 * daily maximum temperatures), then `predict` on raw strings and a forecast in the series' units, `info`, and the
 * mistakes the flags can make. In process (runInProcess) for speed, one real process to show the command end to end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/io/checkpoint.js';
import { ROOT, runCli, runInProcess, type CliResult } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-text-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

const FORTUNES = '/usr/share/games/fortunes';
const WEATHER = path.join(ROOT, 'node_modules/vega-datasets/data/seattle-weather.csv');

/** The first `n` lines of 20..120 characters of a fortune file. */
function lines(file: string, n: number): string[] {
  return fs
    .readFileSync(path.join(FORTUNES, file), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '%' && l.length >= 20 && l.length <= 120)
    .slice(0, n);
}

const text = at('lang.tsv');
fs.writeFileSync(
  text,
  [
    ...lines('de/sprichworte', 80).map((l) => `de\t${l}`),
    ...lines('es/refranes.fortunes', 80).map((l) => `es\t${l}`),
    ...lines('wisdom', 80).map((l) => `en\t${l}`),
  ].join('\n'),
);

function json(r: CliResult): Record<string, unknown>[] {
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('train and predict a text classifier', () => {
  const model = at('lang.safetensors');

  it('trains a bag-of-characters MLP on label<TAB>text lines and saves the tokenizer with it', async () => {
    const r = await runInProcess([
      'train',
      '--data',
      text,
      '--optimizer',
      'adam',
      '--lr',
      '0.01',
      '--epochs',
      '8',
      '--save',
      model,
      '--json',
    ]);
    const epochs = json(r);
    expect(epochs).toHaveLength(8);
    expect(epochs[7].valAccuracy as number).toBeGreaterThan(0.75);
    expect(r.stderr).toMatch(/3 classes \(de, en, es\), char tokens, vocabulary \d+, bags of tokens/);
    const ckpt = loadModel(model, { restoreRandom: false });
    expect(ckpt.classes).toEqual(['de', 'en', 'es']);
    expect(ckpt.tokenizer?.level).toBe('char');
  });

  it('predicts on raw strings (--text) and on a labelled file, in a real process', async () => {
    const r = await runCli([
      'predict',
      model,
      '--text',
      'Wer anderen eine Grube gräbt, fällt selbst hinein.',
      '--text',
      'No hay mal que por bien no venga.',
      '--json',
    ]);
    const rows = json(r);
    expect(rows.map((row) => row.className)).toEqual(['de', 'es']);
    expect((rows[0].probabilities as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const human = await runInProcess(['predict', model, text]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/accuracy on the labelled lines: \d+\/240/);
    const evaluated = await runInProcess(['evaluate', model, '--data', text, '--json']);
    const [summary] = json(evaluated);
    expect(summary.rows).toBe(240);
    expect(summary.classNames).toEqual(['de', 'en', 'es']);
    expect(summary.accuracy as number).toBeGreaterThan(0.75);
    const info = await runInProcess(['info', model]);
    expect(info.stdout).toMatch(/text: char-level tokens, vocabulary \d+, \d+ tokens per text/);
  });

  it('takes a spec with placeholders ($vocab, $classes) and word tokens', async () => {
    const spec = at('bag.json');
    fs.writeFileSync(
      spec,
      JSON.stringify([{ type: 'Dense', in: '$vocab', out: 16 }, { type: 'ReLU' }, { type: 'Dense', in: 16, out: '$classes' }]),
    );
    const r = await runInProcess([
      'train',
      '--data',
      text,
      '--model',
      spec,
      '--tokens',
      'word',
      '--lowercase',
      '--vocab-size',
      '300',
      '--epochs',
      '2',
      '--json',
    ]);
    expect(json(r)).toHaveLength(2);
    expect(r.stderr).toMatch(/word tokens, vocabulary 300/);
  });

  it('trains an Embedding → GRU spec on padded token ids, and predicts raw strings with it', async () => {
    const spec = at('gru.json');
    fs.writeFileSync(
      spec,
      JSON.stringify([
        { type: 'Embedding', numEmbeddings: '$vocab', dim: 8, paddingIdx: 0 },
        { type: 'GRU', inputSize: 8, hiddenSize: 16, returns: 'lastStep' },
        { type: 'Dense', in: 16, out: '$classes' },
      ]),
    );
    const gru = at('gru.safetensors');
    const r = await runInProcess([
      'train',
      '--data',
      text,
      '--model',
      spec,
      '--max-length',
      '40',
      '--optimizer',
      'adam',
      '--lr',
      '0.01',
      '--epochs',
      '3',
      '--save',
      gru,
      '--json',
    ]);
    expect(json(r)).toHaveLength(3);
    expect(r.stderr).toMatch(/40 tokens per text/);
    const p = await runInProcess(['predict', gru, '--text', 'Hola', '--text', '', '--json']);
    const rows = json(p);
    expect(rows).toHaveLength(2); // an empty text is all padding: it still gets an answer
    for (const row of rows) expect(['de', 'en', 'es']).toContain(row.className);
  });

  it('refuses what does not fit, in one line', async () => {
    const cases: [string[], RegExp][] = [
      [['--window', '5'], /--window does not apply to a text classifier/],
      [['--normalize', 'minmax'], /--normalize does not apply/],
      [['--model', at('nope.json')], /no such file/],
    ];
    const badSpec = at('bad.json');
    fs.writeFileSync(badSpec, JSON.stringify([{ type: 'Dense', in: '$vocabulary', out: 3 }]));
    cases.push([['--model', badSpec], /unknown placeholder "\$vocabulary"/]);
    for (const [flags, message] of cases) {
      const r = await runInProcess(['train', '--data', text, '--epochs', '1', ...flags]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const broken = at('broken.tsv');
    fs.writeFileSync(broken, 'en\tfine\nno tab here\n');
    const r = await runInProcess(['train', '--data', broken]);
    expect(r.stderr).toMatch(/broken\.tsv:2: no TAB; each line is label<TAB>text/);
    const tabular = await runInProcess(['train', '--data', WEATHER, '--window', '7']);
    expect(tabular.stderr).toMatch(/--window applies to text data .* or a series \(--series-column\)/);
  });
});

describe('train and predict a forecaster', () => {
  const model = at('weather.safetensors');

  it('trains on a CSV column, split by time, and reports MAE/RMSE beside the naive forecast', async () => {
    const r = await runInProcess([
      'train',
      '--data',
      WEATHER,
      '--series-column',
      'temp_max',
      '--window',
      '14',
      '--optimizer',
      'adam',
      '--epochs',
      '5',
      '--save',
      model,
      '--json',
    ]);
    const rows = json(r);
    const report = rows[rows.length - 1];
    expect(Object.keys(report)).toEqual(['valMae', 'valRmse', 'naiveMae', 'naiveRmse']);
    // Seattle's daily maxima: a naive forecast is off by ~2.4 °C; a model within a few degrees learned something.
    expect(report.naiveMae as number).toBeGreaterThan(1);
    expect(report.valMae as number).toBeLessThan(5);
    expect(r.stderr).toMatch(/column temp_max \(1461 steps\), window 14, horizon 1, standardize scaling from the first 1168 steps/);
    expect(loadModel(model, { restoreRandom: false }).seriesScaling?.window).toBe(14);
  });

  it('forecasts the step after the file in degrees', async () => {
    const r = await runInProcess(['predict', model, WEATHER, '--series-column', 'temp_max', '--json']);
    const [row] = json(r);
    expect(row.steps).toBe(1461);
    const [next] = row.forecast as number[];
    expect(next).toBeGreaterThan(-5);
    expect(next).toBeLessThan(20); // the last days of December 2015 were 5.6 °C
  });

  it('trains an LSTM spec on [window, 1] windows and forecasts with it', async () => {
    const spec = at('lstm.json');
    fs.writeFileSync(
      spec,
      JSON.stringify([
        { type: 'LSTM', inputSize: '$features', hiddenSize: 8, returns: 'lastStep' },
        { type: 'Dense', in: 8, out: '$outputs' },
      ]),
    );
    const lstm = at('lstm.safetensors');
    const r = await runInProcess([
      'train',
      '--data',
      WEATHER,
      '--series-column',
      'temp_max',
      '--window',
      '10',
      '--horizon',
      '3',
      '--model',
      spec,
      '--optimizer',
      'adam',
      '--epochs',
      '2',
      '--save',
      lstm,
      '--json',
    ]);
    expect(Object.keys(json(r).at(-1)!)).toContain('valMae');
    const [row] = json(await runInProcess(['predict', lstm, WEATHER, '--series-column', 'temp_max', '--json']));
    expect(row.forecast as number[]).toHaveLength(3);
  });

  it('refuses a series run without --window, and a gap in the column', async () => {
    const r = await runInProcess(['train', '--data', WEATHER, '--series-column', 'temp_max']);
    expect(r.stderr).toMatch(/--series-column needs --window/);
    const gap = at('gap.csv');
    fs.writeFileSync(gap, 'day,v\n1,3.5\n2,\n3,4\n');
    const g = await runInProcess(['train', '--data', gap, '--series-column', 'v', '--window', '1']);
    expect(g.stderr).toMatch(/gap\.csv:3: no value in column "v", not a number/);
  });
});
