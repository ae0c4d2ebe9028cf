/**
 * The commands end to end, as real processes: `train` (JSON lines, --save, --plot, --limit, --backend), then
 * `evaluate` and `predict` on the saved models — on the digits and on a CSV with text labels — and `info`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigits } from '../../lib/data/digits.js';
import { ROOT, runCli, type CliResult } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const REQUIRED = ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds', 'backend'] as const;

/** stdout of a JSON run: every line one parseable object. */
function jsonLines(r: CliResult): Record<string, unknown>[] {
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  return lines.map((line) => {
    expect(() => JSON.parse(line), `not JSON: ${line}`).not.toThrow();
    return JSON.parse(line) as Record<string, unknown>;
  });
}

/** Three well separated blobs with features on very different scales and text labels, sorted by class. */
function writeBlobs(file: string): void {
  let seed = 7;
  const uniform = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const names = ['setosa', 'versicolor', 'virginica'];
  const lines = ['height,weight,ratio,species'];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 60; i++)
      lines.push(
        [150 + 30 * c + 10 * uniform(), 1000 + 500 * c + 200 * uniform(), 0.3 + 0.1 * c + 0.05 * uniform(), names[c]].map(String).join(','),
      );
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('neuroblas train → evaluate → predict on the digits', () => {
  const model = path.join(dir, 'digits.safetensors');
  const plot = path.join(dir, 'digits.svg');
  let train: CliResult;
  beforeAll(async () => {
    train = await runCli([
      'train',
      '--data',
      'digits',
      '--limit',
      '600',
      '--epochs',
      '2',
      '--layers',
      '784-32-10',
      '--json',
      '--save',
      model,
      '--plot',
      plot,
    ]);
  });

  it('--json: stdout is one object per epoch with the fields scripts read, and nothing else', () => {
    const epochs = jsonLines(train);
    expect(epochs).toHaveLength(2);
    epochs.forEach((e, i) => {
      for (const key of REQUIRED) expect(e, key).toHaveProperty(key);
      expect(e.epoch).toBe(i + 1);
      for (const key of ['loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds'] as const) expect(typeof e[key]).toBe('number');
      expect(e.accuracy as number).toBeGreaterThan(0.3); // 600 digits, 2 epochs: well above chance
      expect(['native', 'js']).toContain(e.backend);
    });
    expect(train.stderr).toMatch(/validation on 600 rows \(the digits test split/);
  });

  it('--save writes a model that evaluate scores on the digits test split, with a confusion matrix', async () => {
    expect(fs.existsSync(model)).toBe(true);
    const [human, json] = await Promise.all([
      runCli(['evaluate', model, '--data', 'digits']),
      runCli(['evaluate', model, '--data', 'digits', '--json']),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/accuracy \d+\.\d% {2}loss \d\.\d{4}/);
    expect(human.stdout).toMatch(/true\\pred/);
    const [r] = jsonLines(json);
    const confusion = r.confusion as number[][];
    expect(confusion).toHaveLength(10);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(2004);
    const diagonal = confusion.reduce((s, row, i) => s + row[i], 0);
    expect(r.accuracy).toBeCloseTo(diagonal / 2004, 10);
    expect(r.accuracy as number).toBeGreaterThan(0.5);
  });

  it('--plot writes an SVG with both panels and a line per series', () => {
    const svg = fs.readFileSync(plot, 'utf8');
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\n$/);
    expect(svg).toContain('>Loss<');
    expect(svg).toContain('>Accuracy<');
    expect(svg.match(/<polyline /g)).toHaveLength(4);
  });

  it('predict reads an IDX images file: a class and probabilities summing to 1 per row', async () => {
    const { test } = loadDigits();
    const n = 5;
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x0803, 0);
    header.writeUInt32BE(n, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    const pixels = Buffer.from(Array.from(test.x.subarray(0, n * 784), (v) => Math.round(v * 255)));
    const images = path.join(dir, 'five-images-idx3-ubyte');
    fs.writeFileSync(images, Buffer.concat([header, pixels]));
    const rows = jsonLines(await runCli(['predict', model, images, '--json']));
    expect(rows).toHaveLength(n);
    rows.forEach((r, i) => {
      expect(r.row).toBe(i + 1);
      const p = r.probabilities as number[];
      expect(p).toHaveLength(10);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.class).toBe(p.indexOf(Math.max(...p)));
    });
  });
});

describe("neuroblas on a CSV of the user's own data", () => {
  const csv = path.join(dir, 'blobs.csv');
  const model = path.join(dir, 'blobs.safetensors');
  let train: CliResult;
  beforeAll(async () => {
    writeBlobs(csv);
    train = await runCli([
      'train',
      '--data',
      csv,
      '--layers',
      '3-16-3',
      '--optimizer',
      'adam',
      '--lr',
      '0.02',
      '--epochs',
      '15',
      '--backend',
      'js',
      '--save',
      model,
    ]);
  });

  it('trains on the js backend when asked, standardizing the features, to a high held-out accuracy', () => {
    const epochs = jsonLines(train); // JSON by default: stdout is not a terminal here
    expect(epochs).toHaveLength(15);
    expect(epochs.every((e) => e.backend === 'js')).toBe(true);
    expect(train.stderr).toMatch(/144 training rows \(standardize\), validation on 36 rows/);
    expect(epochs[14].valAccuracy as number).toBeGreaterThan(0.9);
  });

  it('evaluate and predict agree on the raw rows (the statistics are folded into the saved model), with the class names', async () => {
    const [evaluation, predictions, human] = await Promise.all([
      runCli(['evaluate', model, '--data', csv, '--json']),
      runCli(['predict', model, csv, '--json']),
      runCli(['predict', model, csv]),
    ]);
    const [r] = jsonLines(evaluation);
    expect(r.rows).toBe(180);
    expect(r.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(r.accuracy as number).toBeGreaterThan(0.9);
    const rows = jsonLines(predictions);
    expect(rows).toHaveLength(180);
    const agree = rows.filter((p) => p.class === p.label).length / rows.length;
    expect(agree).toBeCloseTo(r.accuracy as number, 10);
    expect(rows[0]).toMatchObject({ row: 1, label: 0 });
    expect(human.stdout).toMatch(/^row 1: \d \((setosa|versicolor|virginica)\) [\d.]+% {2}· true 0 \(setosa\) [✓✗]/m);
  });
});

describe('neuroblas info', () => {
  it('prints the version, the backend and why, the threads and the CPU', async () => {
    const [human, json] = await Promise.all([runCli(['info']), runCli(['info', '--json', '--backend', 'js'])]);
    expect(human.code, human.stderr).toBe(0);
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(human.stdout).toContain(`neuroblas ${version}`);
    expect(human.stdout).toMatch(/^backend: (native|js) \(.+\)$/m);
    expect(human.stdout).toMatch(/^threads: 1$/m);
    expect(human.stdout).toMatch(/^cpu: /m);
    const [info] = jsonLines(json);
    expect(info).toMatchObject({ version, backend: 'js', reason: '--backend js', threads: 1 });
  });

  // The installed command runs the built bundle; after `npm run build` (as CI's setup does) check that it starts.
  it.skipIf(!fs.existsSync(path.join(ROOT, 'dist/cli.js')))('bin/neuroblas.js runs the built CLI', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin/neuroblas.js'), '--version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  });
});
