/**
 * The SVG curves of `--plot`: a well-formed document with two panels (loss, accuracy), axes with ticks and
 * labels, a legend, and one line per series with a point per epoch placed where its value says.
 */
import { describe, expect, it } from 'vitest';
import { renderCurvesSvg } from '../../lib/plot/svg-curves.js';
import { formatTick, niceTicks } from '../../lib/plot/ticks.js';
import type { EpochLogs } from '../../lib/train/callbacks.js';

const history: EpochLogs[] = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1,
  loss: 1 / (i + 1),
  accuracy: 0.5 + i * 0.04,
  valLoss: 1.2 / (i + 1),
  valAccuracy: 0.45 + i * 0.035,
  lr: 0.1,
  seconds: 0.1,
}));

/** Tags opened and closed in order (self-closing ones skipped): a cheap well-formedness check without an XML parser. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue;
    if (m[1] === '/') {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

function polylines(svg: string): { stroke: string; points: [number, number][] }[] {
  return [...svg.matchAll(/<polyline points="([^"]*)"[^>]*stroke="([^"]+)"/g)].map((m) => ({
    stroke: m[2],
    points: m[1].split(' ').map((p) => p.split(',').map(Number) as [number, number]),
  }));
}

describe('renderCurvesSvg', () => {
  const svg = renderCurvesSvg(history, { title: 'digits <784-100-10> & co' });

  it('is a well-formed SVG document with a size and a white background', () => {
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="960" height="420" viewBox="0 0 960 420">/);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('digits &lt;784-100-10&gt; &amp; co'); // the title escaped
  });

  it('has both panels, axis labels, a legend and tick labels', () => {
    for (const text of ['>Loss<', '>Accuracy<', '>epoch<', '>loss<', '>accuracy (%)<', '>train<', '>validation<'])
      expect(svg).toContain(text);
    expect(svg).toContain('>12<'); // the last epoch tick
    expect(svg).toContain('>100<'); // accuracy axis up to 100 %
  });

  it('draws four lines, one point per epoch, lower loss drawn lower and higher accuracy drawn higher', () => {
    const lines = polylines(svg);
    expect(lines).toHaveLength(4);
    for (const l of lines) {
      expect(l.points).toHaveLength(12);
      for (const [x, y] of l.points) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(960);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(420);
      }
      for (let i = 1; i < 12; i++) expect(l.points[i][0]).toBeGreaterThan(l.points[i - 1][0]); // epochs left to right
    }
    const [trainLoss, , trainAcc] = lines;
    expect(trainLoss.points[11][1]).toBeGreaterThan(trainLoss.points[0][1]); // loss falls: larger SVG y is lower on screen
    expect(trainAcc.points[11][1]).toBeLessThan(trainAcc.points[0][1]); // accuracy rises
    expect(trainAcc.points[0][0]).toBeGreaterThan(480); // the accuracy panel is the right one
    expect(lines[1].stroke).not.toBe(lines[0].stroke); // validation in another colour
    expect(svg).toContain('stroke-dasharray'); // and dashed
  });

  it('without validation: two lines and no validation legend; no epochs: still a valid document', () => {
    const trainOnly = renderCurvesSvg(history.map(({ valLoss: _l, valAccuracy: _a, ...rest }) => rest));
    expect(polylines(trainOnly)).toHaveLength(2);
    expect(trainOnly).not.toContain('>validation<');
    const one = renderCurvesSvg(history.slice(0, 1));
    expect(polylines(one).every((l) => l.points.length === 1)).toBe(true);
    expect(one).toMatch(/<circle/); // a lone point is drawn as a marker
    const none = renderCurvesSvg([]);
    expect(balanced(none)).toBe(true);
    expect(none).toContain('no epochs recorded');
  });
});

describe('niceTicks', () => {
  it('steps of 1, 2 or 5 × 10^k covering the range, ends on ticks', () => {
    expect(niceTicks(0.13, 0.97, 5)).toMatchObject({ lo: 0, hi: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceTicks(63, 96, 5).values).toEqual([60, 65, 70, 75, 80, 85, 90, 95, 100]);
    expect(niceTicks(1, 30, 8, true).values).toEqual([0, 5, 10, 15, 20, 25, 30]);
    expect(niceTicks(1, 2, 8, true).values).toEqual([1, 2]); // whole epochs only
  });
  it('widens a flat range and survives non-finite input', () => {
    const t = niceTicks(0.5, 0.5);
    expect(t.lo).toBeLessThan(0.5);
    expect(t.hi).toBeGreaterThan(0.5);
    expect(niceTicks(NaN, 1).values.length).toBeGreaterThan(1);
  });
  it('formatTick prints the digits the step needs', () => {
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
    expect(formatTick(0.25, 0.05)).toBe('0.25');
    expect(formatTick(20, 5)).toBe('20');
  });
});
