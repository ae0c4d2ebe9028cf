/**
 * Unflatten: [batch, n] → [batch, ...shape] with n = the product of `shape`, sharing the input's memory (Flatten's
 * inverse; PyTorch's `nn.Unflatten(1, shape)`). It lets a model whose first layer is a convolution take flat rows:
 * `new Unflatten([1, 28, 28])` views rows of 784 pixels as 1×28×28 images.
 */
import { positiveInteger, show } from '../check.js';
import { fail } from '../errors.js';
import { reshape } from '../ops/elementwise.js';
import { shapeSize, type Shape, type Tensor } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export class Unflatten extends Layer {
  readonly type = 'Unflatten';
  /** The shape of each sample after the layer, e.g. [1, 28, 28]. */
  readonly shape: readonly number[];

  constructor(shape: readonly number[], options: { name?: string } = {}) {
    super('unflatten', options.name);
    if (!Array.isArray(shape) || shape.length === 0)
      fail('ERR_INVALID_ARG', `Unflatten: shape must be a non-empty array of positive integers such as [1, 28, 28], got ${show(shape)}`);
    this.shape = shape.map((d, i) => positiveInteger('Unflatten', `shape[${i}]`, d));
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return reshape(x, [x.shape[0], ...this.shape], this.workspace(options));
  }

  outputShape(inputShape: Shape): number[] {
    const size = shapeSize(this.shape);
    if (inputShape.length !== 1 || inputShape[0] !== size)
      fail(
        'ERR_SHAPE',
        `${this.name}: expected input of shape [batch, ${size}] (to view as [batch, ${this.shape.join(', ')}]), ` +
          `got [batch, ${inputShape.join(', ')}]`,
      );
    return [...this.shape];
  }

  override getConfig(): LayerConfig {
    return { type: 'Unflatten', name: this.name, shape: [...this.shape] };
  }
}
