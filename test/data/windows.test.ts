/**
 * Time-series windows: targets follow their inputs, the split is by time with no window straddling it, scaling comes
 * from the training part only, several series never mix, and scaled predictions come back in the series' units.
 */
import { describe, expect, it } from 'vitest';
import { checkSeriesScaling, scaleWindow, seriesWindows, unscaleTargets } from '../../lib/data/windows.js';
import { expectError } from '../helpers/errors.js';

const ramp = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('seriesWindows', () => {
  it('makes windows of `window` steps and the next `horizon` steps as targets', () => {
    const w = seriesWindows(ramp(10), { window: 3, horizon: 2, validation: 0, scaling: 'none' });
    expect(w.train.rows).toBe(6); // starts 0..5
    expect(Array.from(w.train.x.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(Array.from(w.train.y.subarray(0, 2))).toEqual([3, 4]);
    expect(Array.from(w.train.x.subarray(15, 18))).toEqual([5, 6, 7]);
    expect(Array.from(w.train.y.subarray(10, 12))).toEqual([8, 9]);
    expect(Array.from(w.train.targetStart)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(w.validation.rows).toBe(0);
  });

  it('splits by time: no training window reaches the validation part, none straddles the split', () => {
    const n = 50;
    const w = seriesWindows(ramp(n), { window: 4, horizon: 3, validation: 0.3, scaling: 'none' });
    const split = w.splitAt[0];
    expect(split).toBe(35);
    // Every value a training window holds (inputs and targets) lies before the split, every validation one after.
    expect(Math.max(...w.train.x, ...w.train.y)).toBeLessThan(split);
    expect(Math.min(...w.validation.x, ...w.validation.y)).toBeGreaterThanOrEqual(split);
    expect(w.train.rows).toBe(35 - 7 + 1);
    expect(w.validation.rows).toBe(15 - 7 + 1);
    // And the training rows are in time order (the split is not shuffled).
    expect(Array.from(w.train.targetStart)).toEqual(ramp(29, 4));
  });

  it('fits the scaling on the training part only', () => {
    // Training part 0..7 (mean 3.5), validation part far away at 1000+: it must not move the statistics.
    const values = [...ramp(8), ...ramp(2, 1000)];
    const w = seriesWindows(values, { window: 2, validation: 0.2, scaling: 'standardize' });
    expect(w.splitAt[0]).toBe(8);
    const mean = 3.5;
    const std = Math.sqrt(ramp(8).reduce((a, v) => a + (v - mean) ** 2, 0) / 8);
    expect(w.scaling.offset[0]).toBeCloseTo(mean, 10);
    expect(w.scaling.scale[0]).toBeCloseTo(std, 10);
    expect(w.train.x[0]).toBeCloseTo((0 - mean) / std, 5);
    const mm = seriesWindows(values, { window: 2, validation: 0.2, scaling: 'minmax' });
    expect([mm.scaling.offset[0], mm.scaling.scale[0]]).toEqual([0, 7]);
    expect(Math.max(...mm.train.x, ...mm.train.y)).toBeLessThanOrEqual(1);
  });

  it('takes several series, splitting each by time and never mixing two in a window', () => {
    const w = seriesWindows([ramp(10), ramp(20, 100)], { window: 2, validation: 0.5, scaling: 'none' });
    expect(w.splitAt).toEqual([5, 10]);
    expect(w.train.rows).toBe(3 + 8);
    expect(Array.from(w.train.series)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    for (let r = 0; r < w.train.rows; r++) {
      const x0 = w.train.x[2 * r];
      expect(w.train.y[r] - x0).toBe(2); // consecutive steps of one series
    }
  });

  it('handles several features per step and predicts the chosen ones', () => {
    // steps of [value, 10 × value]
    const steps = ramp(6).flatMap((v) => [v, 10 * v]);
    const w = seriesWindows(steps, { window: 2, features: 2, targets: [1], validation: 0, scaling: 'none' });
    expect(w.train.rows).toBe(4);
    expect(Array.from(w.train.x.subarray(0, 4))).toEqual([0, 0, 1, 10]);
    expect(Array.from(w.train.y)).toEqual([20, 30, 40, 50]);
  });

  it('refuses series too short, missing values and bad options', () => {
    expectError(() => seriesWindows(ramp(5), { window: 5 }), 'ERR_INVALID_ARG', /no training window fits/);
    expectError(() => seriesWindows([1, NaN, 3, 4], { window: 1, validation: 0 }), 'ERR_BAD_DATA', /step 1/);
    expectError(() => seriesWindows(ramp(5), { window: 0 }), 'ERR_INVALID_ARG', /window/);
    expectError(() => seriesWindows(ramp(5), { window: 1, validation: 1 }), 'ERR_INVALID_ARG', /validation/);
    expectError(() => seriesWindows(ramp(5), { window: 1, features: 2 }), 'ERR_SHAPE', /whole number of steps/);
    expectError(() => seriesWindows(ramp(6), { window: 1, features: 2, targets: [2] }), 'ERR_INVALID_ARG', /targets/);
    expectError(() => seriesWindows('abc' as never, { window: 1 }), 'ERR_INVALID_ARG', /array of numbers/);
    expectError(() => seriesWindows(ramp(9), { window: 1, windwo: 2 } as never), 'ERR_INVALID_ARG', /unknown option/);
  });
});

describe('scaleWindow / unscaleTargets / checkSeriesScaling', () => {
  it('scales the last window and gives predictions back in the series units', () => {
    const { scaling } = seriesWindows(ramp(20, 10), { window: 3, horizon: 2 });
    const x = scaleWindow(scaling, ramp(5, 10));
    expect(x[0]).toBeCloseTo((12 - scaling.offset[0]) / scaling.scale[0], 6);
    const back = unscaleTargets(scaling, Float32Array.from([0, 1]));
    expect(back[0]).toBeCloseTo(scaling.offset[0], 4);
    expect(back[1]).toBeCloseTo(scaling.offset[0] + scaling.scale[0], 4);
    expectError(() => scaleWindow(scaling, [1, 2]), 'ERR_SHAPE', /at least 3/);
  });

  it('reads back its JSON form and refuses crafted ones', () => {
    const { scaling } = seriesWindows(ramp(20), { window: 3 });
    expect(checkSeriesScaling('f', JSON.parse(JSON.stringify(scaling)))).toEqual(scaling);
    const bad = (patch: object, m: RegExp) => expectError(() => checkSeriesScaling('f', { ...scaling, ...patch }), 'ERR_INVALID_ARG', m);
    bad({ window: 1e9 }, /too large/);
    bad({ scale: [0] }, /scale/);
    bad({ offset: [1, 2] }, /offset/);
    bad({ targets: [1] }, /targets/);
    bad({ kind: 'log' }, /kind/);
    bad({ features: 1e6 }, /too large/);
  });
});
