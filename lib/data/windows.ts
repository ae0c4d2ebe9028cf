/**
 * Time series as supervised rows for a forecaster: sliding windows of `window` steps as input, the next `horizon`
 * steps as target, from one series or several (several sensors, stores…: windows never span two series).
 *
 * Split by time, never shuffled across it: in each series, the first (1 − validation) share of the steps is the
 * training part and the rest the validation part. A training window lies wholly in the training part (inputs and
 * targets), a validation window wholly in the validation part, so no window straddles the split and nothing of the
 * later period reaches training. Shuffling training windows among themselves (fit does) is harmless.
 *
 * Scaling is fitted on the training part only (every series' training steps, per feature) and applied to all, so the
 * validation period's level and spread do not leak into training either. It is kept as a plain `SeriesScaling`
 * (saved in checkpoints: lib/io/checkpoint.ts), whose `unscaleTargets` turns predictions back into the series' units.
 *
 * A series is a flat array of numbers, time-major: one value per step, or `features` values per step (a step's
 * values together); the targets are the features in `targets` (default: all of them) of the next `horizon` steps.
 */
import { checkKnownKeys, integer, oneOf, optionsObject, show } from '../check.js';
import { fail } from '../errors.js';

export const SCALING_KINDS = ['standardize', 'minmax', 'none'] as const;
export type ScalingKind = (typeof SCALING_KINDS)[number];
/** The longest window and horizon, and the most features, a saved forecaster may declare. */
export const MAX_WINDOW = 100_000;
export const MAX_SERIES_FEATURES = 10_000;

export type Series = ArrayLike<number>;

export interface WindowOptions {
  /** Input steps per window. */
  window: number;
  /** Steps predicted after each window (default 1). */
  horizon?: number;
  /** Values per step (default 1). */
  features?: number;
  /** Feature indices to predict (default: all features). */
  targets?: number[];
  /** The share of each series' last steps held out for validation, in [0, 1) (default 0.2; 0: no validation). */
  validation?: number;
  /** How values are scaled, fitted on the training part (default 'standardize'). */
  scaling?: ScalingKind;
  /** Steps between the starts of consecutive windows (default 1). */
  stride?: number;
}

/** Per-feature affine scaling, `scaled = (value − offset) / scale`, and what it was fitted for. */
export interface SeriesScaling {
  kind: ScalingKind;
  offset: number[];
  scale: number[];
  window: number;
  horizon: number;
  features: number;
  targets: number[];
}

export interface WindowSet {
  /** `rows × window × features`, scaled. */
  x: Float32Array;
  /** `rows × horizon × targets.length`, scaled. */
  y: Float32Array;
  rows: number;
  /** For each row, the series it came from and the index of its first target step in that series. */
  series: Int32Array;
  targetStart: Int32Array;
}

export interface Windows {
  train: WindowSet;
  validation: WindowSet;
  scaling: SeriesScaling;
  /** The step index where each series' validation part begins. */
  splitAt: number[];
}

const OWNER = 'seriesWindows';

function asSeriesList(series: unknown): Series[] {
  const isSeries = (s: unknown): s is Series => ArrayBuffer.isView(s) || (Array.isArray(s) && (s.length === 0 || typeof s[0] === 'number'));
  if (isSeries(series)) return [series];
  if (Array.isArray(series) && series.length > 0 && series.every(isSeries)) return series;
  return fail(
    'ERR_INVALID_ARG',
    `${OWNER}: series must be an array of numbers (one series) or an array of such arrays (several), got ${show(series)}`,
  );
}

/** Windows, split by time and scaled from the training part; see the module comment. */
export function seriesWindows(series: Series | Series[], options: WindowOptions): Windows {
  const o = optionsObject(OWNER, options) as unknown as WindowOptions;
  checkKnownKeys(OWNER, o, ['window', 'horizon', 'features', 'targets', 'validation', 'scaling', 'stride']);
  const window = integer(OWNER, 'window', o.window, 1);
  const horizon = integer(OWNER, 'horizon', o.horizon ?? 1, 1);
  const features = integer(OWNER, 'features', o.features ?? 1, 1);
  const stride = integer(OWNER, 'stride', o.stride ?? 1, 1);
  const kind = oneOf(OWNER, 'scaling', o.scaling ?? 'standardize', SCALING_KINDS);
  const validation = o.validation ?? 0.2;
  if (typeof validation !== 'number' || !(validation >= 0 && validation < 1))
    fail('ERR_INVALID_ARG', `${OWNER}: validation must be a share in [0, 1), got ${show(validation)}`);
  const targets = o.targets ?? Array.from({ length: features }, (_, i) => i);
  if (!Array.isArray(targets) || targets.length === 0 || targets.some((t) => !Number.isInteger(t) || t < 0 || t >= features))
    fail('ERR_INVALID_ARG', `${OWNER}: targets must be feature indices in 0..${features - 1}, got ${show(targets)}`);
  if (new Set(targets).size !== targets.length) fail('ERR_INVALID_ARG', `${OWNER}: targets lists a feature twice`);

  const list = asSeriesList(series);
  const splitAt = list.map((s, k) => {
    if (s.length % features !== 0)
      fail('ERR_SHAPE', `${OWNER}: series ${k} has ${s.length} values, not a whole number of steps of ${features} features`);
    for (let i = 0; i < s.length; i++) {
      if (typeof s[i] !== 'number' || !Number.isFinite(s[i]))
        fail(
          'ERR_BAD_DATA',
          `${OWNER}: series ${k} holds ${show(s[i])} at step ${Math.floor(i / features)}; fill or drop missing values first`,
        );
    }
    const steps = s.length / features;
    return Math.floor(steps * (1 - validation));
  });
  const scaling = fitScaling(list, splitAt, { kind, window, horizon, features, targets });
  const span = window + horizon;
  // Window starts: training ones end by the split; validation ones start at it.
  const trainStarts = list.map((_, k) => starts(0, splitAt[k], span, stride));
  const valStarts = list.map((s, k) => starts(splitAt[k], s.length / features, span, stride));
  if (trainStarts.every((a) => a.length === 0))
    fail(
      'ERR_INVALID_ARG',
      `${OWNER}: no training window fits: the training part of the longest series has ${Math.max(...splitAt)} steps, ` +
        `a window needs ${span} (window ${window} + horizon ${horizon})`,
    );
  return {
    train: build(list, trainStarts, scaling),
    validation: build(list, valStarts, scaling),
    scaling,
    splitAt,
  };
}

function starts(from: number, to: number, span: number, stride: number): number[] {
  const out: number[] = [];
  for (let i = from; i + span <= to; i += stride) out.push(i);
  return out;
}

/** Offsets and scales per feature from the steps before each series' split. */
function fitScaling(list: Series[], splitAt: number[], s: Omit<SeriesScaling, 'offset' | 'scale'>): SeriesScaling {
  const F = s.features;
  const offset = new Array<number>(F).fill(0);
  const scale = new Array<number>(F).fill(1);
  if (s.kind !== 'none') {
    for (let f = 0; f < F; f++) {
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      list.forEach((series, k) => {
        for (let t = 0; t < splitAt[k]; t++) {
          const v = series[t * F + f];
          n++;
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      });
      if (n === 0) continue;
      if (s.kind === 'minmax') {
        offset[f] = min;
        scale[f] = max > min ? max - min : 1;
      } else {
        const mean = sum / n;
        let sq = 0;
        list.forEach((series, k) => {
          for (let t = 0; t < splitAt[k]; t++) sq += (series[t * F + f] - mean) ** 2;
        });
        const std = Math.sqrt(sq / n);
        offset[f] = mean;
        scale[f] = std > 0 ? std : 1;
      }
    }
  }
  return { ...s, offset, scale };
}

function build(list: Series[], startsBySeries: number[][], sc: SeriesScaling): WindowSet {
  const { window: W, horizon: H, features: F, targets } = sc;
  const rows = startsBySeries.reduce((a, b) => a + b.length, 0);
  const x = new Float32Array(rows * W * F);
  const y = new Float32Array(rows * H * targets.length);
  const series = new Int32Array(rows);
  const targetStart = new Int32Array(rows);
  let r = 0;
  startsBySeries.forEach((list0, k) => {
    const s = list[k];
    for (const i of list0) {
      for (let t = 0; t < W; t++) for (let f = 0; f < F; f++) x[(r * W + t) * F + f] = (s[(i + t) * F + f] - sc.offset[f]) / sc.scale[f];
      for (let h = 0; h < H; h++)
        targets.forEach((f, j) => {
          y[(r * H + h) * targets.length + j] = (s[(i + W + h) * F + f] - sc.offset[f]) / sc.scale[f];
        });
      series[r] = k;
      targetStart[r] = i + W;
      r++;
    }
  });
  return { x, y, rows, series, targetStart };
}

/** Scaled inputs for the forecaster: the last `window` steps of `values` (time-major, `features` per step). */
export function scaleWindow(scaling: SeriesScaling, values: ArrayLike<number>): Float32Array {
  const { window: W, features: F } = scaling;
  if (values.length < W * F)
    fail('ERR_SHAPE', `forecast input: ${values.length / F} steps; the model reads windows of ${W} (give at least ${W})`);
  const out = new Float32Array(W * F);
  const from = values.length - W * F;
  for (let i = 0; i < W * F; i++) {
    const v = values[from + i];
    if (!Number.isFinite(v)) fail('ERR_BAD_DATA', `forecast input: step ${Math.floor((from + i) / F)} holds ${v}`);
    out[i] = (v - scaling.offset[i % F]) / scaling.scale[i % F];
  }
  return out;
}

/** Scaled predictions (`rows × horizon × targets`) back in the series' units. */
export function unscaleTargets(scaling: SeriesScaling, y: ArrayLike<number>): Float32Array {
  const n = scaling.targets.length;
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const f = scaling.targets[i % n];
    out[i] = y[i] * scaling.scale[f] + scaling.offset[f];
  }
  return out;
}

/**
 * Checks a SeriesScaling read from a file or given by a caller: sizes within bounds, finite numbers, positive scales,
 * targets among the features. `owner` names the source in errors (ERR_INVALID_ARG).
 */
export function checkSeriesScaling(owner: string, v: unknown): SeriesScaling {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('ERR_INVALID_ARG', `${owner}: a series scaling is an object`);
  const s = v as Record<string, unknown>;
  checkKnownKeys(owner, s, ['kind', 'offset', 'scale', 'window', 'horizon', 'features', 'targets']);
  const kind = oneOf(owner, 'kind', s.kind, SCALING_KINDS);
  const window = integer(owner, 'window', s.window, 1);
  const horizon = integer(owner, 'horizon', s.horizon, 1);
  const features = integer(owner, 'features', s.features, 1);
  if (window > MAX_WINDOW || horizon > MAX_WINDOW || features > MAX_SERIES_FEATURES)
    fail('ERR_INVALID_ARG', `${owner}: window, horizon (at most ${MAX_WINDOW}) or features (at most ${MAX_SERIES_FEATURES}) too large`);
  const numbers = (a: unknown, positive: boolean): a is number[] =>
    Array.isArray(a) && a.length === features && a.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
  if (!numbers(s.offset, false) || !numbers(s.scale, true))
    fail('ERR_INVALID_ARG', `${owner}: offset and scale must be ${features} finite numbers each (scales > 0)`);
  const t = s.targets;
  if (
    !Array.isArray(t) ||
    t.length === 0 ||
    t.length > features ||
    !t.every((f) => Number.isInteger(f) && f >= 0 && f < features) ||
    new Set(t).size !== t.length
  )
    fail('ERR_INVALID_ARG', `${owner}: targets must be distinct feature indices in 0..${features - 1}`);
  return { kind, offset: [...s.offset], scale: [...s.scale], window, horizon, features, targets: [...(t as number[])] };
}
