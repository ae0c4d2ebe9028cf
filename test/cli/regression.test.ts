/**
 * `neuroblas train` on a CSV whose label column is a float (cars → miles per gallon, real data from vega-datasets)
 * trains a regressor and says so in one line; evaluate prints MAE, RMSE and R² and predict prints values, both in
 * miles per gallon, equal to what the API gives for the saved model; --task and --loss are checked against the data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../lib/io/checkpoint.js';
import { parseCsvLabelled } from '../../lib/data/csv.js';
import { Tensor } from '../../lib/tensor.js';
import { evaluate, predict } from '../../lib/train/fit.js';
import { writeCarsCsv } from '../helpers/cars-csv.js';
import { expectOneLineError, runInProcess } from './run-cli.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroblas-cli-regression-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const csv = path.join(dir, 'cars.csv');
const model = path.join(dir, 'cars.safetensors');
const plot = path.join(dir, 'cars.svg');
writeCarsCsv(csv);

describe('neuroblas train --data <a CSV with a float label>', () => {
  it('trains a regressor, says so, logs MAE/RMSE/R², plots the MAE and saves a model that predicts in mpg', async () => {
    const r = await runInProcess([
      'train',
      '--data',
      csv,
      '--optimizer',
      'adam',
      '--lr',
      '0.01',
      '--epochs',
      '20',
      '--save',
      model,
      '--plot',
      plot,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cars\.csv: regression on column 'mpg', targets from 9 to 46\.6 \(its values are not all integers/);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ epoch: 20 });
    expect(last.accuracy).toBeUndefined();
    // Real cars: a 9-100-1 MLP gets within a few mpg; R² well above a constant guess.
    expect(last.valMae).toBeGreaterThan(0.5);
    expect(last.valMae).toBeLessThan(3.5);
    expect(last.valR2).toBeGreaterThan(0.75);
    expect(fs.readFileSync(plot, 'utf8')).toContain('Mean absolute error');
  });

  it('evaluate prints MAE, RMSE and R² in mpg, equal to the API on the loaded model', async () => {
    const r = await runInProcess(['evaluate', model, '--data', csv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const m = loadModel(model).model;
    const { data } = parseCsvLabelled(fs.readFileSync(csv, 'utf8'), csv, { task: 'regression' });
    const api = evaluate(m, new Tensor(data.x, [data.rows, data.features]), new Tensor(data.targets!, [data.rows, 1])).regression!;
    expect(cli.rows).toBe(392);
    expect(cli.mae).toBeCloseTo(api.mae, 6);
    expect(cli.rmse).toBeCloseTo(api.rmse, 6);
    expect(cli.r2).toBeCloseTo(api.r2, 6);
    const human = await runInProcess(['evaluate', model, '--data', csv]);
    expect(human.stdout).toMatch(/MAE \d+\.\d+ {2}RMSE \d+\.\d+ {2}R² 0\.\d{3} in the targets' units/);
  });

  it("predict prints each row's value in mpg (beside the true one when the file has it)", async () => {
    const few = path.join(dir, 'few.csv');
    fs.writeFileSync(few, `${fs.readFileSync(csv, 'utf8').split('\n').slice(0, 4).join('\n')}\n`);
    const r = await runInProcess(['predict', model, few, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const { data } = parseCsvLabelled(fs.readFileSync(few, 'utf8'), few, { task: 'regression' });
    const want = predict(loadModel(model).model, new Tensor(data.x, [3, data.features])).data;
    expect(rows.map((x) => x.value)).toEqual(Array.from(want));
    expect(rows.map((x) => x.target)).toEqual(Array.from(data.targets!));
    const human = await runInProcess(['predict', model, few]);
    expect(human.stdout).toMatch(/row 1: \d+\.\d+ {2}· true 18 \(error -?\d/);
  });

  it('--task and --loss are checked against the data', async () => {
    expectOneLineError(
      await runInProcess(['train', '--data', 'digits', '--task', 'regression', '--epochs', '1']),
      1,
      /--task regression: digits is labelled with classes; a regression reads its targets from a CSV's label column/,
    );
    expectOneLineError(
      await runInProcess(['train', '--data', csv, '--loss', 'crossEntropy', '--epochs', '1']),
      1,
      /--loss crossEntropy is for classes; a regression takes mse, l1, huber, smoothL1/,
    );
    expectOneLineError(
      await runInProcess(['train', '--data', csv, '--layers', '9-4-2', '--epochs', '1']),
      1,
      /gives 2 outputs per row; a regression on one target column needs 1/,
    );
    const l1 = await runInProcess(['train', '--data', csv, '--loss', 'l1', '--epochs', '1', '--optimizer', 'adam']);
    expect(l1.code, l1.stderr).toBe(0);
  });
});
