/**
 * Batch normalization with PyTorch's conventions: momentum 0.1, eps 1e-5, learnable weight (gamma, ones)
 * and bias (beta, zeros), running mean (zeros) and running variance (ones, updated with the unbiased
 * batch variance) used in eval mode. `BatchNorm` is generic over the positions per channel (S), so a
 * BatchNorm2d is `new BatchNorm(C, 2, …)` over [batch, C, H, W].
 */
import { positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { batchNorm, type RunningStats } from '../ops/batchnorm.js';
import { formatShape, type Tensor, type Shape } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export interface BatchNormLayerOptions {
  eps?: number;
  momentum?: number;
  /** Learnable gamma and beta (default true); without, gamma = 1 and beta = 0 fixed. */
  affine?: boolean;
  name?: string;
}

export class BatchNorm extends Layer {
  readonly type: string;
  readonly numFeatures: number;
  /** How many spatial dimensions follow the channel: 0 or 1 for BatchNorm1d, 2 for BatchNorm2d. */
  readonly spatialDims: number[];
  readonly eps: number;
  readonly momentum: number;
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly affine: boolean;
  /** The registered buffers "running_mean" (zeros) and "running_var" (ones). */
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  private readonly stats: RunningStats;

  constructor(numFeatures: number, spatialDims: number[], type: string, options: BatchNormLayerOptions = {}) {
    super(type.toLowerCase(), options.name);
    this.type = type;
    this.numFeatures = positiveInteger(this.name, 'numFeatures', numFeatures);
    this.spatialDims = spatialDims;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (!(this.eps > 0) || !Number.isFinite(this.eps))
      fail('ERR_INVALID_ARG', `${this.name}: eps must be a finite number > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1))
      fail('ERR_INVALID_ARG', `${this.name}: momentum must be in [0, 1], got ${this.momentum}`);
    this.affine = options.affine ?? true;
    // Without affine, gamma = 1 and beta = 0 are constants, not state (PyTorch has no weight and bias then).
    this.weight = stateTensor([numFeatures], `${this.name}.weight`, { fill: 1, requiresGrad: this.affine });
    this.bias = stateTensor([numFeatures], `${this.name}.bias`, { requiresGrad: this.affine });
    if (this.affine) {
      this.registerParameter('weight', this.weight);
      this.registerParameter('bias', this.bias);
    }
    this.runningMean = this.registerBuffer(
      'running_mean',
      stateTensor([numFeatures], `${this.name}.running_mean`, { requiresGrad: false }),
    );
    this.runningVar = this.registerBuffer(
      'running_var',
      stateTensor([numFeatures], `${this.name}.running_var`, { fill: 1, requiresGrad: false }),
    );
    this.stats = { mean: this.runningMean.data, variance: this.runningVar.data, momentum: this.momentum };
  }

  /** The running statistics as the batch-norm op takes them: the buffers' current arrays (read, or written in place). */
  get running(): RunningStats {
    this.stats.mean = this.runningMean.data;
    this.stats.variance = this.runningVar.data;
    return this.stats;
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return batchNorm(
      x,
      this.weight,
      this.bias,
      { training: this.training, eps: this.eps, running: this.running, where: this.name },
      this.workspace(options),
    );
  }

  outputShape(inputShape: Shape): number[] {
    const allowed = this.spatialDims.map((d) => d + 1);
    if (!allowed.includes(inputShape.length) || inputShape[0] !== this.numFeatures) {
      const expect = this.spatialDims.map((d) => formatShape(['batch', this.numFeatures, ...Array(d).fill('…')])).join(' or ');
      fail('ERR_SHAPE', `${this.name}: expected input ${expect}, got ${formatShape(['batch', ...inputShape])}`);
    }
    return [...inputShape];
  }

  /** The type names the variant (BatchNorm1d, BatchNorm2d…), which fixes the spatial dimensions. */
  override getConfig(): LayerConfig {
    return { type: this.type, name: this.name, numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum, affine: this.affine };
  }
}

/** BatchNorm1d over [batch, C] (or [batch, C, L]). */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, [0, 1], 'BatchNorm1d', options);
  }
}

/** BatchNorm2d over [batch, C, H, W]: statistics per channel over the batch and every position. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super(numFeatures, [2], 'BatchNorm2d', options);
  }
}
