/**
 * Pooling for sequences, and global pooling:
 * - MaxPool1d and AvgPool1d over [batch, C, L]: windows of kernelSize, stride defaulting to it (PyTorch's default),
 *   padding at most kernelSize/2; AvgPool1d counts the padding in the divisor (count_include_pad = true), MaxPool1d
 *   propagates NaN, as PyTorch's do.
 * - GlobalAvgPool1d / GlobalMaxPool1d over [batch, C, L] and GlobalAvgPool2d / GlobalMaxPool2d over [batch, C, H, W]:
 *   the mean or max over every position of each channel, giving [batch, C] (PyTorch's AdaptiveAvgPool/MaxPool to
 *   size 1 followed by a flatten), ready for a Dense head.
 */
import { integer } from '../check.js';
import { fail } from '../errors.js';
import { convOutputSize } from '../ops/conv.js';
import { avgPool1d, globalAvgPool, globalMaxPool, maxPool1d } from '../ops/pool1d.js';
import { formatShape, type Shape, type Tensor } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export interface Pool1dLayerOptions {
  /** Default: the kernel size. */
  stride?: number;
  /** Default 0; at most kernelSize/2. */
  padding?: number;
  name?: string;
}

abstract class Pool1d extends Layer {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(prefix: string, kernelSize: number, options: Pool1dLayerOptions) {
    super(prefix, options.name);
    this.kernelSize = integer(this.name, 'kernelSize', kernelSize);
    this.stride = integer(this.name, 'stride', options.stride ?? kernelSize);
    this.padding = integer(this.name, 'padding', options.padding ?? 0, 0);
    if (2 * this.padding > this.kernelSize)
      fail('ERR_INVALID_ARG', `${this.name}: padding must be at most half the kernel size (${this.kernelSize}), got ${this.padding}`);
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 2)
      fail('ERR_SHAPE', `${this.name}: expected input [batch, channels, length], got ${formatShape(['batch', ...inputShape])}`);
    const [C, L] = inputShape;
    const OL = convOutputSize(L, this.kernelSize, this.stride, this.padding);
    if (OL < 1) fail('ERR_SHAPE', `${this.name}: a window of ${this.kernelSize} (padding ${this.padding}) does not fit a length of ${L}`);
    return [C, OL];
  }

  override getConfig(): LayerConfig {
    return { type: this.type, name: this.name, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
  }
}

export class MaxPool1d extends Pool1d {
  readonly type = 'MaxPool1d';

  constructor(kernelSize: number, options: Pool1dLayerOptions = {}) {
    super('maxpool1d', kernelSize, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return maxPool1d(x, this, this.workspace(options), this.name);
  }
}

export class AvgPool1d extends Pool1d {
  readonly type = 'AvgPool1d';

  constructor(kernelSize: number, options: Pool1dLayerOptions = {}) {
    super('avgpool1d', kernelSize, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return avgPool1d(x, this, this.workspace(options), this.name);
  }
}

/** [batch, C, ...spatial] → [batch, C]; `spatialDims` is 1 ([C, L]) or 2 ([C, H, W]). */
abstract class GlobalPool extends Layer {
  constructor(
    prefix: string,
    private readonly spatialDims: 1 | 2,
    options: { name?: string },
  ) {
    super(prefix, options.name);
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 1 + this.spatialDims || inputShape.slice(1).some((d) => d < 1)) {
      const dims = this.spatialDims === 1 ? 'length' : 'height, width';
      fail('ERR_SHAPE', `${this.name}: expected input [batch, channels, ${dims}], got ${formatShape(['batch', ...inputShape])}`);
    }
    return [inputShape[0]];
  }

  override getConfig(): LayerConfig {
    return { type: this.type, name: this.name };
  }
}

export class GlobalAvgPool1d extends GlobalPool {
  readonly type = 'GlobalAvgPool1d';

  constructor(options: { name?: string } = {}) {
    super('globalavgpool1d', 1, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return globalAvgPool(x, 1, this.workspace(options), this.name);
  }
}

export class GlobalMaxPool1d extends GlobalPool {
  readonly type = 'GlobalMaxPool1d';

  constructor(options: { name?: string } = {}) {
    super('globalmaxpool1d', 1, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return globalMaxPool(x, 1, this.workspace(options), this.name);
  }
}

export class GlobalAvgPool2d extends GlobalPool {
  readonly type = 'GlobalAvgPool2d';

  constructor(options: { name?: string } = {}) {
    super('globalavgpool2d', 2, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return globalAvgPool(x, 2, this.workspace(options), this.name);
  }
}

export class GlobalMaxPool2d extends GlobalPool {
  readonly type = 'GlobalMaxPool2d';

  constructor(options: { name?: string } = {}) {
    super('globalmaxpool2d', 2, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return globalMaxPool(x, 2, this.workspace(options), this.name);
  }
}
