/**
 * Issue 12, item 7: `neuroblas train` on a CSV says in one line (stderr) how it read the labels, and refuses a label
 * column that cannot be classes: non-integer numbers asked to be classes (else they are a regression's targets,
 * issue 13), or more classes than a tenth of the rows (an id or measurement column) unless --allow-many-classes.
 * Integer labels that are not 0..k−1 are class names in numeric order, never 301 classes for 100/200/300; evaluate
 * maps a file onto the model's classes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError, runInProcess, type CliResult } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-labels-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 60 rows: an id, two features that separate three groups, a float measurement, and the group under `label`. */
function writeCsv(name: string, labels: readonly string[]): string {
  const lines = ['id,a,b,width,label'];
  for (let r = 0; r < 60; r++) {
    const g = r % 3;
    lines.push([r, g * 3 + (r % 5) * 0.1, -g * 2 + (r % 7) * 0.1, (0.13 * r).toFixed(2), labels[g]].join(','));
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const train = (file: string, ...more: string[]) => runInProcess(['train', '--data', file, '--epochs', '1', '--backend', 'js', ...more]);

function epochsOk(r: CliResult): void {
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout.trim().split('\n')[0])).toMatchObject({ epoch: 1 });
}

describe('neuroblas train: the labels it inferred, in one line on stderr', () => {
  it('100/200/300 are 3 class names in numeric order, not 301 classes; the saved model knows them', async () => {
    const file = writeCsv('hundreds.csv', ['300', '100', '200']);
    const model = path.join(dir, 'hundreds.safetensors');
    const r = await train(file, '--save', model, '--layers', '4-8-3');
    epochsOk(r);
    expect(r.stderr).toContain(`neuroblas: ${file}: 3 classes from column 'label', names in numeric order: 100→0, 200→1, 300→2\n`);
    expect(r.stdout).not.toContain('classes from');
    const ev = await runInProcess(['evaluate', model, '--data', file, '--json', '--backend', 'js']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout)).toMatchObject({ rows: 60, classNames: ['100', '200', '300'] });
  });

  it('−1/0/1 are names (-1→0, 0→1, 1→2), 0/1/2 indices: each one said', async () => {
    const signs = await train(writeCsv('signs.csv', ['1', '-1', '0']));
    epochsOk(signs);
    expect(signs.stderr).toMatch(/3 classes from column 'label', names in numeric order: -1→0, 0→1, 1→2$/m);
    const indices = await train(writeCsv('indices.csv', ['2', '0', '1']));
    epochsOk(indices);
    expect(indices.stderr).toMatch(/indices\.csv: 3 classes from column 'label' \(class indices 0\.\.2\)$/m);
    const text = await train(writeCsv('text.csv', ['b', 'c', 'a']));
    expect(text.stderr).toMatch(/3 classes from column 'label', names in sorted order: a→0, b→1, c→2$/m);
  });

  it('a label column of non-integer numbers trains a regression and says so; --task classification refuses it', async () => {
    const file = writeCsv('floats.csv', ['0', '1', '2']);
    const r = await train(file, '--label-column', 'width', '--layers', '4-8-1');
    epochsOk(r);
    expect(r.stderr).toContain(
      `neuroblas: ${file}: regression on column 'width', targets from 0 to 7.67 ` +
        '(its values are not all integers; --task classification reads them as classes)\n',
    );
    expect(JSON.parse(r.stdout.trim().split('\n')[0])).toHaveProperty('valMae');
    const refused = await train(file, '--label-column', 'width', '--task', 'classification');
    expectOneLineError(
      refused,
      1,
      new RegExp(
        String.raw`floats\.csv:3:\d+: the label column 'width' holds non-integer numbers \(0\.13\), not classes: ` +
          String.raw`is the label in another column\? Choose the label column with --label-column NAME\|INDEX, ` +
          'or predict the numbers with --task regression',
      ),
    );
  });

  it('more classes than a tenth of the rows is refused unless --allow-many-classes', async () => {
    const file = writeCsv('ids.csv', ['0', '1', '2']);
    const r = await train(file, '--label-column', 'id');
    expectOneLineError(
      r,
      1,
      /ids\.csv: 60 classes from column 'id' in 60 rows, more than a tenth of the rows: .*--label-column .*--allow-many-classes/,
    );
    const byIndex = await train(file, '--label-column', '0', '--allow-many-classes', '--limit', '30');
    epochsOk(byIndex); // the line counts every row of the file, before --limit samples them
    expect(byIndex.stderr).toMatch(/ids\.csv: 60 classes from column 'id' \(class indices 0\.\.59\)$/m);
    const allowed = await train(file, '--label-column', 'id', '--allow-many-classes');
    epochsOk(allowed);
    expect(allowed.stderr).toMatch(/ids\.csv: 60 classes from column 'id' \(class indices 0\.\.59\)$/m);
  });
});

describe("neuroblas evaluate maps a CSV onto the model's classes", () => {
  it('a model trained on indices 0..2 scores a file holding only labels 0 and 2 as indices, not as two names', async () => {
    const trainFile = writeCsv('idx-train.csv', ['0', '1', '2']);
    const model = path.join(dir, 'idx.safetensors');
    epochsOk(await train(trainFile, '--save', model, '--epochs', '20', '--optimizer', 'adam', '--lr', '0.05'));
    const lines = fs.readFileSync(trainFile, 'utf8').trim().split('\n');
    const subset = path.join(dir, 'idx-subset.csv');
    fs.writeFileSync(subset, `${[lines[0], ...lines.slice(1).filter((l) => !l.endsWith(',1'))].join('\n')}\n`);
    const ev = await runInProcess(['evaluate', model, '--data', subset, '--json', '--backend', 'js']);
    expect(ev.code, ev.stderr).toBe(0);
    const r = JSON.parse(ev.stdout);
    expect(r.rows).toBe(40);
    // Row sums of the confusion matrix: the true classes 0 and 2, 20 rows each (read as names they would be 0 and 1).
    expect((r.confusion as number[][]).map((row) => row.reduce((a, b) => a + b, 0))).toEqual([20, 0, 20]);
  });
});
