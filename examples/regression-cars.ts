/**
 * Regression on real tabular data: miles per gallon of 392 cars (1970–1982) from cylinders, displacement,
 * horsepower, weight, acceleration, model year and origin (the `cars.json` of the npm package vega-datasets; the UCI
 * "Auto MPG" data). A seeded 80/20 split; features standardized on the training rows; the target scaled by a
 * TargetScaling last layer adapted on the training targets, so predictions come out in miles per gallon.
 *
 * Two models, reported with MAE, RMSE and R² on the held-out rows:
 * - the linear-regression baseline: one Dense layer with no hidden layer (least squares, fitted by Adam);
 * - an MLP with one hidden layer of 32 ReLU units, which can model the curved mpg–weight relation.
 *
 *   npm run example:cars            (or npx tsx examples/regression-cars.ts [epochs])
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  Adam,
  applyNormalization,
  Dense,
  fitNormalization,
  manualSeed,
  Random,
  Sequential,
  TargetScaling,
  Tensor,
  type Backend,
  type RegressionMetrics,
} from '../lib/index.js';
import { onBackend } from './on-backend.js';

export interface CarsOptions {
  epochs?: number; // 200
  seed?: number; // 1
  backend?: Backend;
  log?: (line: string) => void;
}

interface Car {
  Miles_per_Gallon: number | null;
  Cylinders: number;
  Displacement: number;
  Horsepower: number | null;
  Weight_in_lbs: number;
  Acceleration: number;
  Year: string;
  Origin: string;
}

const ORIGINS = ['USA', 'Europe', 'Japan'];
export const CAR_FEATURES = [
  'cylinders',
  'displacement',
  'horsepower',
  'weight',
  'acceleration',
  'year',
  ...ORIGINS.map((o) => `origin ${o}`),
];

/** The cars with a known mpg and horsepower (392 of 406): features (origin one-hot) and mpg. */
export function loadCars(): { x: Float32Array; y: Float32Array; rows: number; features: number } {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data');
  const cars = (JSON.parse(fs.readFileSync(path.join(dir, 'cars.json'), 'utf8')) as Car[]).filter(
    (c) => c.Miles_per_Gallon !== null && c.Horsepower !== null,
  );
  const features = CAR_FEATURES.length;
  const x = new Float32Array(cars.length * features);
  const y = new Float32Array(cars.length);
  cars.forEach((c, i) => {
    const year = Number(c.Year.slice(0, 4));
    const origin = ORIGINS.map((o) => (c.Origin === o ? 1 : 0));
    x.set([c.Cylinders, c.Displacement, c.Horsepower!, c.Weight_in_lbs, c.Acceleration, year, ...origin], i * features);
    y[i] = c.Miles_per_Gallon!;
  });
  return { x, y, rows: cars.length, features };
}

export function regressionCars(options: CarsOptions = {}) {
  return onBackend(options.backend, () => run(options));
}

/** The seeded 80/20 split, features standardized on the training rows (targets in miles per gallon). */
export function carsSplit(seed = 1) {
  const data = loadCars();
  const F = data.features;
  const order = Uint32Array.from({ length: data.rows }, (_, i) => i);
  new Random(seed).shuffle(order);
  const nTrain = Math.round(0.8 * data.rows);
  const take = (rows: ArrayLike<number>) => {
    const x = new Float32Array(rows.length * F);
    const y = new Float32Array(rows.length);
    Array.from(rows).forEach((r, i) => {
      x.set(data.x.subarray(r * F, (r + 1) * F), i * F);
      y[i] = data.y[r];
    });
    return { x, y, rows: rows.length };
  };
  const train = take(order.subarray(0, nTrain));
  const test = take(order.subarray(nTrain));
  const norm = fitNormalization('standardize', train.x, F);
  return {
    rows: data.rows,
    features: F,
    xTrain: new Tensor(applyNormalization(norm, train.x), [train.rows, F]),
    yTrain: new Tensor(train.y, [train.rows, 1]),
    xTest: new Tensor(applyNormalization(norm, test.x), [test.rows, F]),
    yTest: new Tensor(test.y, [test.rows, 1]),
  };
}

async function run(options: CarsOptions) {
  const { epochs = 200, seed = 1, log = console.log } = options;
  manualSeed(seed);
  const { rows, features: F, xTrain, yTrain, xTest, yTest } = carsSplit(seed);
  const train = { rows: xTrain.shape[0], y: yTrain.data };
  const test = { rows: xTest.shape[0], y: yTest.data };
  const models: [string, Sequential][] = [
    ['linear regression (Dense 9→1)', new Sequential([new Dense(F, 1), new TargetScaling(1).adapt(train.y)])],
    [
      'MLP (9→32 ReLU→1)',
      new Sequential([new Dense(F, 32, { activation: 'relu' }), new Dense(32, 1), new TargetScaling(1).adapt(train.y)]),
    ],
  ];
  log(`cars: ${rows} cars, ${train.rows} to train, ${test.rows} held out; predicting miles per gallon from ${CAR_FEATURES.join(', ')}`);
  const results: Record<string, RegressionMetrics> = {};
  for (const [name, model] of models) {
    await model.fit(xTrain, yTrain, { optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs, batchSize: 32 });
    const r = model.evaluate(xTest, yTest).regression!;
    results[name] = r;
    log(`${name.padEnd(30)} test MAE ${r.mae.toFixed(2)} mpg  RMSE ${r.rmse.toFixed(2)} mpg  R² ${r.r2.toFixed(3)}`);
  }
  const [linear, mlp] = Object.values(results);
  const sample = models[1][1].predict(xTest).data.slice(0, 5);
  log(
    `first held-out cars: predicted ${Array.from(sample, (v) => v.toFixed(1)).join(', ')} mpg; ` +
      `actual ${Array.from(test.y.slice(0, 5)).join(', ')}`,
  );
  return { linear, mlp, meanMpg: train.y.reduce((a, b) => a + b, 0) / train.rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await regressionCars({ epochs: process.argv[2] ? Number(process.argv[2]) : undefined });
}
