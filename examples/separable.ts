/**
 * A linearly separable 2-D set for the perceptron and Adaline examples, drawn from the library's seeded
 * generator: a random line w*·x + b* = 0 through the square [-1, 1]², points uniform in the square, and
 * every point closer to the line than `margin` thrown away (so the classes are separable with that margin).
 * Labels: 1 on the positive side of the line, 0 on the other.
 */
import type { Random } from '../lib/index.js';

export interface SeparableSet {
  /** [points, 2], row-major. */
  x: Float32Array;
  /** 0 or 1 per point. */
  y: Int32Array;
  points: number;
  /** The line that made the labels (unit normal, offset). */
  line: { w: [number, number]; b: number };
}

export function separableSet(rng: Random, points = 200, margin = 0.1): SeparableSet {
  const angle = rng.uniform(0, 2 * Math.PI);
  const w: [number, number] = [Math.cos(angle), Math.sin(angle)];
  const b = rng.uniform(-0.3, 0.3);
  const x = new Float32Array(points * 2);
  const y = new Int32Array(points);
  for (let i = 0; i < points; ) {
    const x0 = rng.uniform(-1, 1);
    const x1 = rng.uniform(-1, 1);
    const s = w[0] * x0 + w[1] * x1 + b;
    if (Math.abs(s) < margin) continue;
    x[2 * i] = x0;
    x[2 * i + 1] = x1;
    y[i] = s > 0 ? 1 : 0;
    i++;
  }
  return { x, y, points, line: { w, b } };
}
