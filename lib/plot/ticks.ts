/**
 * "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten, so labels read 0.2, 0.4, … rather than 0.1837, ….
 * The axis is widened to whole steps so the first and last ticks sit on its ends.
 */
export interface Ticks {
  lo: number;
  hi: number;
  step: number;
  values: number[];
}

/** A step of 1, 2 or 5 × 10^k close to `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const f = rough / power;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * power;
}

/**
 * About `count` ticks covering [min, max]. `integer` keeps the step whole (epochs). A flat range is widened
 * around its value, so a single point still gets an axis.
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): Ticks {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = integer ? 1 : Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    min -= pad;
    max += pad;
  }
  let step = niceStep((max - min) / Math.max(count, 1));
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const values: number[] = [];
  // Round each tick to the step's decimals: 0.1 + 0.2 must print as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  for (let v = lo; v <= hi + step * 1e-9; v += step) values.push(Number(v.toFixed(decimals)));
  return { lo, hi, step, values };
}

/** A tick label with no more digits than the step needs. */
export function formatTick(v: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9));
  return v.toFixed(decimals);
}
