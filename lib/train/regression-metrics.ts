/**
 * Regression metrics: mean absolute error, root mean squared error and the coefficient of determination R², per
 * output and overall (scikit-learn's definitions: overall MAE and RMSE over every value, overall R² the mean of the
 * outputs' R²; a constant target's R² is 1 when predicted exactly, else 0, as scikit-learn's force_finite).
 *
 * `RegressionAccumulator` takes batches as fit trains them and allocates nothing per batch; sums are in float64.
 * Values given in standardized units (a model ending in TargetScaling) are reported in the targets' units by passing
 * the standard deviations to `result`: MAE and RMSE scale with them, R² does not change.
 */
import { nonNegativeInteger, positiveInteger } from '../check.js';
import { fail } from '../errors.js';

export interface RegressionMetrics {
  mae: number;
  rmse: number;
  r2: number;
  /** The same, one value per output column. */
  perOutput: { mae: number[]; rmse: number[]; r2: number[] };
}

export class RegressionAccumulator {
  private readonly absSum: Float64Array;
  private readonly sqSum: Float64Array;
  // The targets' mean and sum of squared deviations per output, updated batch by batch (Chan et al.'s parallel form).
  private readonly targetMean: Float64Array;
  private readonly targetM2: Float64Array;
  private readonly batchMean: Float64Array;
  private rows = 0;

  constructor(readonly width: number) {
    positiveInteger('RegressionAccumulator', 'width', width);
    this.absSum = new Float64Array(width);
    this.sqSum = new Float64Array(width);
    this.targetMean = new Float64Array(width);
    this.targetM2 = new Float64Array(width);
    this.batchMean = new Float64Array(width);
  }

  reset(): void {
    for (const a of [this.absSum, this.sqSum, this.targetMean, this.targetM2]) a.fill(0);
    this.rows = 0;
  }

  /** n rows of predictions and targets, `width` values per row, row-major. */
  add(pred: ArrayLike<number>, target: ArrayLike<number>, n: number): void {
    const k = this.width;
    if (n === 0) return;
    if (pred.length < n * k || target.length < n * k)
      fail('ERR_SHAPE', `regression metrics: ${n} rows of ${k} need ${n * k} values, got ${pred.length} and ${target.length}`);
    const bm = this.batchMean.fill(0);
    for (let i = 0; i < n * k; i++) {
      const j = i % k;
      const e = pred[i] - target[i];
      this.absSum[j] += Math.abs(e);
      this.sqSum[j] += e * e;
      bm[j] += target[i];
    }
    for (let j = 0; j < k; j++) bm[j] /= n;
    const m = this.rows;
    const total = m + n;
    for (let j = 0; j < k; j++) {
      let m2 = 0;
      for (let r = 0; r < n; r++) {
        const d = target[r * k + j] - bm[j];
        m2 += d * d;
      }
      const delta = bm[j] - this.targetMean[j];
      this.targetM2[j] += m2 + (delta * delta * m * n) / total;
      this.targetMean[j] += (delta * n) / total;
    }
    this.rows = total;
  }

  /** The metrics so far; `scale` (one per output) converts standardized errors back to the targets' units. */
  result(scale?: ArrayLike<number>): RegressionMetrics {
    const k = this.width;
    const rows = this.rows;
    const mae: number[] = [];
    const rmse: number[] = [];
    const r2: number[] = [];
    let abs = 0;
    let sq = 0;
    for (let j = 0; j < k; j++) {
      const s = scale === undefined ? 1 : scale[j];
      mae.push(rows > 0 ? (this.absSum[j] / rows) * s : NaN);
      rmse.push(rows > 0 ? Math.sqrt(this.sqSum[j] / rows) * s : NaN);
      abs += this.absSum[j] * s;
      sq += this.sqSum[j] * s * s;
      const ssTot = this.targetM2[j];
      const ssRes = this.sqSum[j];
      if (rows === 0) r2.push(NaN);
      else if (ssTot > 0) r2.push(1 - ssRes / ssTot);
      else r2.push(ssRes === 0 ? 1 : 0);
    }
    const count = rows * k;
    return {
      mae: count > 0 ? abs / count : NaN,
      rmse: count > 0 ? Math.sqrt(sq / count) : NaN,
      r2: r2.reduce((a, b) => a + b, 0) / k,
      perOutput: { mae, rmse, r2 },
    };
  }
}

/**
 * MAE, RMSE and R² of `rows` predictions against their targets, `width` values per row (row-major), per output and
 * overall.
 */
export function regressionMetrics(pred: ArrayLike<number>, target: ArrayLike<number>, rows: number, width = 1): RegressionMetrics {
  nonNegativeInteger('regressionMetrics', 'rows', rows);
  const acc = new RegressionAccumulator(width);
  acc.add(pred, target, rows);
  return acc.result();
}
