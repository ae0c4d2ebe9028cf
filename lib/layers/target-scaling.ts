/**
 * TargetScaling: the last layer of a regressor whose targets are far from unit scale (prices in dollars, masses in
 * grams). It maps the layer before it, which learns in standardized units, to the targets' own units:
 * y = x·std + mean per output, with `mean` and `std` fitted on the training targets by `adapt` (Keras's
 * Normalization.adapt), saved with the weights as buffers, so a loaded model predicts in the targets' units.
 *
 * Training does not go through it: with a regression loss, fit and evaluate compare the output before this layer with
 * the standardized targets (lib/train/loop.ts), so the loss and the gradients do not depend on the targets' units
 * (a learning rate that suits grams suits kilograms) and are reported in standardized units; MAE and RMSE are
 * reported in the targets' units.
 */
import { finite, isFloat32Array, positiveInteger, show } from '../check.js';
import { fail } from '../errors.js';
import { claimGrad, needsGrad, record } from '../graph.js';
import { allocF32 } from '../ops/workspace.js';
import { Tensor, type Shape } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export class TargetScaling extends Layer {
  readonly type = 'TargetScaling';
  /** Outputs per row (the regression targets' width). */
  readonly units: number;
  /** The training targets' mean per output (0 until adapt). */
  readonly mean: Tensor;
  /** Their standard deviation per output (1 until adapt; a constant target keeps 1). */
  readonly std: Tensor;

  constructor(units: number, options: { name?: string } = {}) {
    super('target_scaling', options.name);
    this.units = positiveInteger('TargetScaling', 'units', units);
    this.mean = this.registerBuffer('mean', stateTensor([this.units], 'mean', { requiresGrad: false }));
    this.std = this.registerBuffer('std', stateTensor([this.units], 'std', { fill: 1, requiresGrad: false }));
  }

  /**
   * Fits mean and std (population standard deviation) on the training targets: `units` values per row, row-major.
   * Returns this. Fit it on the training rows only, not the validation or test rows.
   */
  adapt(targets: Float32Array | Tensor | ArrayLike<number>): this {
    const values = targets instanceof Tensor ? targets.data : targets;
    if (!isFloat32Array(values) && !Array.isArray(values) && !ArrayBuffer.isView(values))
      fail('ERR_INVALID_ARG', `${this.name}: adapt() takes the training targets (a Tensor, Float32Array or array), got ${show(values)}`);
    const k = this.units;
    const n = (values as ArrayLike<number>).length;
    if (n === 0 || n % k !== 0)
      fail('ERR_SHAPE', `${this.name}: adapt() needs ${k} target value${k === 1 ? '' : 's'} per row, got ${n} values`);
    const rows = n / k;
    const sum = new Float64Array(k);
    for (let i = 0; i < n; i++) sum[i % k] += finite(`${this.name}.adapt`, `target ${i}`, (values as ArrayLike<number>)[i]);
    const mean = sum.map((s) => s / rows);
    const sq = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const d = (values as ArrayLike<number>)[i] - mean[i % k];
      sq[i % k] += d * d;
    }
    for (let j = 0; j < k; j++) {
      const std = Math.sqrt(sq[j] / rows);
      this.mean.data[j] = mean[j];
      // A constant target (or one so spread that float32 cannot hold it) keeps unit scale rather than dividing by 0.
      this.std.data[j] = std > 0 && Number.isFinite(Math.fround(std)) && Math.fround(std) > 0 ? std : 1;
    }
    return this;
  }

  /** Standardizes targets in place, `units` per row: (t − mean) / std, the units the layer before this one learns in. */
  standardize(targets: Float32Array): Float32Array {
    const k = this.units;
    const mean = this.mean.data;
    const std = this.std.data;
    for (let i = 0; i < targets.length; i++) targets[i] = (targets[i] - mean[i % k]) / std[i % k];
    return targets;
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const k = this.units;
    const n = x.size;
    const ws = this.workspace(options);
    const out = new Tensor(allocF32(ws, 'targetScaling.out', n), x.shape);
    const mean = this.mean.data;
    const std = this.std.data;
    for (let i = 0; i < n; i++) out.data[i] = x.data[i] * std[i % k] + mean[i % k];
    if (!needsGrad(x)) return out;
    return record(
      out,
      'targetScaling',
      [x],
      () => {
        const g = out.grad!;
        const dx = x.grad;
        if (claimGrad(x)) for (let i = 0; i < n; i++) x.grad![i] = g[i] * std[i % k];
        else for (let i = 0; i < n; i++) dx![i] += g[i] * std[i % k];
      },
      ws?.f32('targetScaling.grad', n),
    );
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 1 || inputShape[0] !== this.units)
      fail('ERR_SHAPE', `${this.name}: expected input of shape [batch, ${this.units}], got [batch, ${inputShape.join(', ')}]`);
    return [this.units];
  }

  override getConfig(): LayerConfig {
    return { type: 'TargetScaling', name: this.name, units: this.units };
  }
}
