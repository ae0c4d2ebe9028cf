/**
 * MaxPool2d and AvgPool2d over [batch, C, H, W]: square k×k windows, stride defaulting to k (PyTorch's
 * default), padding at most k/2. AvgPool2d counts the padding in the divisor (count_include_pad = true).
 */
import { integer } from '../check.js';
import { fail } from '../errors.js';
import { convOutputSize } from '../ops/conv.js';
import { avgPool2d, maxPool2d } from '../ops/pool.js';
import { formatShape, type Shape, type Tensor } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export interface Pool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: number;
  /** Default 0; at most kernelSize/2. */
  padding?: number;
  name?: string;
}

abstract class Pool2d extends Layer {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(prefix: string, kernelSize: number, options: Pool2dLayerOptions) {
    super(prefix, options.name);
    this.kernelSize = integer(this.name, 'kernelSize', kernelSize);
    this.stride = integer(this.name, 'stride', options.stride ?? kernelSize);
    this.padding = integer(this.name, 'padding', options.padding ?? 0, 0);
    if (2 * this.padding > this.kernelSize)
      fail('ERR_INVALID_ARG', `${this.name}: padding must be at most half the kernel size (${this.kernelSize}), got ${this.padding}`);
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 3) {
      fail('ERR_SHAPE', `${this.name}: expected input [batch, channels, height, width], got ${formatShape(['batch', ...inputShape])}`);
    }
    const [C, H, W] = inputShape;
    const OH = convOutputSize(H, this.kernelSize, this.stride, this.padding),
      OW = convOutputSize(W, this.kernelSize, this.stride, this.padding);
    if (OH < 1 || OW < 1)
      fail(
        'ERR_SHAPE',
        `${this.name}: a ${this.kernelSize}×${this.kernelSize} window (padding ${this.padding}) does not fit a ${H}×${W} input`,
      );
    return [C, OH, OW];
  }

  override getConfig(): LayerConfig {
    return { type: this.type, name: this.name, kernelSize: this.kernelSize, stride: this.stride, padding: this.padding };
  }
}

export class MaxPool2d extends Pool2d {
  readonly type = 'MaxPool2d';

  constructor(kernelSize: number, options: Pool2dLayerOptions = {}) {
    super('maxpool2d', kernelSize, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return maxPool2d(x, this, this.workspace(options), this.name);
  }
}

export class AvgPool2d extends Pool2d {
  readonly type = 'AvgPool2d';

  constructor(kernelSize: number, options: Pool2dLayerOptions = {}) {
    super('avgpool2d', kernelSize, options);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return avgPool2d(x, this, this.workspace(options), this.name);
  }
}
