/** The cars of vega-datasets (examples/regression-cars.ts) as a CSV with a header, mpg in the last column. */
import fs from 'node:fs';
import { CAR_FEATURES, loadCars } from '../../examples/regression-cars.js';

export function writeCarsCsv(file: string, rows = Infinity): { rows: number; features: number } {
  const cars = loadCars();
  const n = Math.min(rows, cars.rows);
  const header = [...CAR_FEATURES.map((f) => f.replace(/ /g, '_')), 'mpg'];
  const lines = [header.join(',')];
  // The JSON's numbers as written there (the arrays are float32: 46.6 would print as 46.599998474121094).
  const text = (v: number) => String(Number(v.toPrecision(7)));
  for (let r = 0; r < n; r++) lines.push([...cars.x.subarray(r * cars.features, (r + 1) * cars.features), cars.y[r]].map(text).join(','));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return { rows: n, features: cars.features };
}
