/**
 * Forecasting a real series: Seattle's daily maximum temperature, 2012–2015 (vega-datasets' seattle-weather.csv, 1,461
 * days). An LSTM reads the last 30 days (the temperature, and the day of the year as sine and cosine, so it knows the
 * season) and forecasts the next 7 days' maxima at once.
 *
 * Split by time: 2012–2014 train, 2015 is held out (lib/data/windows.ts: no window straddles the split, the scaling is
 * fitted on 2012–2014 only). Reported on 2015, in °C, over the 7 days of every forecast and for the next day alone:
 *
 * - the LSTM: LSTM(3 → 32, last step) → Dense(32 → 7), Adam lr 3e-3, batch 32, mean squared error, at most 60 epochs
 *   with early stopping (patience 5, best weights kept) on the last 20 % of the TRAINING years (March–December 2014;
 *   windows across that inner split are left out), so 2015 chooses nothing, not even the number of epochs;
 * - naive, "same as last": every day of the forecast equals the last day seen;
 * - seasonal naive: each day equals the same day one year earlier (364 days: the same weekday);
 * - climatology: each day equals the mean of that day of the year (±7 days) over the training years.
 *
 *   npm run example:forecast            # or: npx tsx examples/forecast.ts [epochs]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Adam,
  Dense,
  EarlyStopping,
  LSTM,
  Sequential,
  Tensor,
  currentBackend,
  manualSeed,
  predict,
  seriesWindows,
  unscaleTargets,
  type Backend,
  type EpochLogs,
} from '../lib/index.js';
import { onBackend } from './on-backend.js';

export const WEATHER_CSV = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../node_modules/vega-datasets/data/seattle-weather.csv',
);

export interface ForecastOptions {
  /** The most epochs; early stopping usually ends sooner. */
  epochs?: number; // 60
  window?: number; // 30
  horizon?: number; // 7
  hidden?: number; // 32
  seed?: number; // 1
  backend?: Backend;
  log?: (line: string) => void;
}

export interface Errors {
  /** Over every day of every forecast. */
  mae: number;
  rmse: number;
  /** The first day of each forecast only. */
  nextDayMae: number;
  nextDayRmse: number;
}

export interface ForecastResult {
  trainDays: number;
  testDays: number;
  forecasts: number;
  lstm: Errors;
  naive: Errors;
  seasonal: Errors;
  climatology: Errors;
  /** The epochs run (early stopping kept the weights of the one with the lowest Mar–Dec 2014 loss). */
  history: EpochLogs[];
}

interface Day {
  date: string;
  tempMax: number;
  dayOfYear: number;
}

function readWeather(file = WEATHER_CSV): Day[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const iDate = cols.indexOf('date');
  const iMax = cols.indexOf('temp_max');
  return lines.map((line) => {
    const f = line.split(',');
    const date = f[iDate];
    const t = Date.parse(`${date}T00:00:00Z`);
    const dayOfYear = Math.floor((t - Date.parse(`${date.slice(0, 4)}-01-01T00:00:00Z`)) / 86_400_000);
    return { date, tempMax: Number(f[iMax]), dayOfYear };
  });
}

function errorsOf(pred: ArrayLike<number>, truth: ArrayLike<number>, horizon: number): Errors {
  let abs = 0,
    sq = 0,
    abs1 = 0,
    sq1 = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = pred[i] - truth[i];
    abs += Math.abs(e);
    sq += e * e;
    if (i % horizon === 0) {
      abs1 += Math.abs(e);
      sq1 += e * e;
    }
  }
  const n1 = truth.length / horizon;
  return { mae: abs / truth.length, rmse: Math.sqrt(sq / truth.length), nextDayMae: abs1 / n1, nextDayRmse: Math.sqrt(sq1 / n1) };
}

export function forecast(options: ForecastOptions = {}): Promise<ForecastResult> {
  return onBackend(options.backend, () => run(options));
}

async function run(o: ForecastOptions): Promise<ForecastResult> {
  const { epochs = 60, window = 30, horizon = 7, hidden = 32, seed = 1, backend, log = console.log } = o;
  const days = readWeather();
  const testFrom = days.findIndex((d) => d.date.startsWith('2015'));
  // Steps of [temp_max, sin, cos of the day of the year]; only temp_max is forecast.
  const steps = days.flatMap((d) => [
    d.tempMax,
    Math.sin((2 * Math.PI * d.dayOfYear) / 365.25),
    Math.cos((2 * Math.PI * d.dayOfYear) / 365.25),
  ]);
  // The validation share that puts the split exactly at 2015-01-01.
  const validation = (days.length - testFrom - 0.5) / days.length;
  const w = seriesWindows(steps, { window, horizon, features: 3, targets: [0], validation, scaling: 'standardize' });
  if (w.splitAt[0] !== testFrom) throw new Error(`forecast: split at ${w.splitAt[0]}, expected ${testFrom}`);
  log(
    `backend: ${currentBackend().name}; ${testFrom} training days (2012–2014): ${w.train.rows} windows; ` +
      `${days.length - testFrom} days of 2015 held out: ${w.validation.rows} forecasts of ${horizon} days from ${window}-day windows`,
  );

  manualSeed(seed);
  const model = new Sequential([new LSTM(3, hidden, { returns: 'lastStep' }), new Dense(hidden, horizon)]);
  // Early stopping watches the training years' last 20 %: windows that end before it train, those after it validate.
  const inner = Math.floor(testFrom * 0.8);
  const fitRows: number[] = [];
  const stopRows: number[] = [];
  for (let r = 0; r < w.train.rows; r++) {
    const first = w.train.targetStart[r];
    if (first + horizon <= inner) fitRows.push(r);
    else if (first - window >= inner) stopRows.push(r);
  }
  const rows = (a: Float32Array, picked: number[], width: number) => {
    const out = new Float32Array(picked.length * width);
    for (let i = 0; i < picked.length; i++) out.set(a.subarray(picked[i] * width, (picked[i] + 1) * width), i * width);
    return out;
  };
  const x = new Tensor(rows(w.train.x, fitRows, window * 3), [fitRows.length, window, 3]);
  const y = new Tensor(rows(w.train.y, fitRows, horizon), [fitRows.length, horizon]);
  const xStop = new Tensor(rows(w.train.x, stopRows, window * 3), [stopRows.length, window, 3]);
  const yStop = new Tensor(rows(w.train.y, stopRows, horizon), [stopRows.length, horizon]);
  const xTest = new Tensor(w.validation.x, [w.validation.rows, window, 3]);
  const history = await model.fit(x, y, {
    optimizer: new Adam(model.parameters(), { lr: 3e-3, backend }),
    loss: 'mse',
    epochs,
    batchSize: 32,
    validationData: [xStop, yStop],
    callbacks: [
      new EarlyStopping({ patience: 5 }),
      {
        onEpochEnd: (l) =>
          log(
            `epoch ${l.epoch}: loss ${l.loss.toFixed(4)} · Mar–Dec 2014 loss ${l.valLoss!.toFixed(4)} (scaled) · ${l.seconds.toFixed(2)} s`,
          ),
      },
    ],
  });

  const truth = unscaleTargets(w.scaling, w.validation.y);
  const lstm = unscaleTargets(w.scaling, predict(model, xTest).data);
  const temp = days.map((d) => d.tempMax);
  // Climatology from the training years only: the mean of each day of the year ±7 days.
  const climate = new Float64Array(366).map((_, doy) => {
    let sum = 0,
      n = 0;
    for (let i = 0; i < testFrom; i++) {
      const d = Math.abs(days[i].dayOfYear - doy);
      if (Math.min(d, 365 - d) <= 7) {
        sum += temp[i];
        n++;
      }
    }
    return sum / n;
  });
  const naive = new Float32Array(truth.length);
  const seasonal = new Float32Array(truth.length);
  const climatology = new Float32Array(truth.length);
  for (let r = 0; r < w.validation.rows; r++) {
    const first = w.validation.targetStart[r];
    for (let h = 0; h < horizon; h++) {
      naive[r * horizon + h] = temp[first - 1];
      seasonal[r * horizon + h] = temp[first + h - 364];
      climatology[r * horizon + h] = climate[days[first + h].dayOfYear];
    }
  }
  return {
    trainDays: testFrom,
    testDays: days.length - testFrom,
    forecasts: w.validation.rows,
    lstm: errorsOf(lstm, truth, horizon),
    naive: errorsOf(naive, truth, horizon),
    seasonal: errorsOf(seasonal, truth, horizon),
    climatology: errorsOf(climatology, truth, horizon),
    history,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const epochs = Number(process.argv[2] ?? 60);
  const r = await forecast({ epochs });
  const cell = (v: number) => v.toFixed(2).padStart(6);
  const row = (name: string, e: Errors) =>
    `  ${name.padEnd(24)} ${cell(e.mae)} ${cell(e.rmse)}   ${cell(e.nextDayMae)} ${cell(e.nextDayRmse)}`;
  console.log(`\nSeattle daily max temperature, 2015 held out (${r.forecasts} forecasts of 7 days), °C:`);
  console.log(`  ${''.padEnd(24)}  all 7 days     next day`);
  console.log(`  ${''.padEnd(24)} ${'MAE'.padStart(6)} ${'RMSE'.padStart(6)}   ${'MAE'.padStart(6)} ${'RMSE'.padStart(6)}`);
  const best = r.history.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
  console.log(row(`LSTM (epoch ${best.epoch} of ${r.history.length})`, r.lstm));
  console.log(row('naive (same as last)', r.naive));
  console.log(row('seasonal (364 days ago)', r.seasonal));
  console.log(row('climatology (train mean)', r.climatology));
}
