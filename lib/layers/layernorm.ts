/**
 * LayerNorm over the last dimension (PyTorch's nn.LayerNorm(normalized_shape) with an integer normalized_shape): each
 * sample's (or each time step's) last-dimension vector is normalized by its own mean and biased variance, the same in
 * training and evaluation. With elementwiseAffine (default), a learnable weight (ones) and bias (zeros) of that size,
 * under PyTorch's state_dict names `weight` and `bias`. Takes [batch, features] and [batch, time, features].
 */
import { bool, checkKnownKeys, finite, optionsObject, positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { layerNorm } from '../ops/layernorm.js';
import { formatShape, type Shape, type Tensor } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, PyTorch's). */
  eps?: number;
  /** A learnable per-feature weight and bias (default true). */
  elementwiseAffine?: boolean;
  name?: string;
}

export class LayerNorm extends Layer {
  readonly type = 'LayerNorm';
  readonly normalizedShape: number;
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number, options: LayerNormOptions = {}) {
    const o = optionsObject('LayerNorm', options) as LayerNormOptions;
    checkKnownKeys('LayerNorm', o, ['eps', 'elementwiseAffine', 'name']);
    super('layernorm', o.name);
    this.normalizedShape = positiveInteger(this.name, 'normalizedShape (the size of the last dimension)', normalizedShape);
    this.eps = finite(this.name, 'eps', o.eps ?? 1e-5);
    if (!(this.eps > 0)) fail('ERR_INVALID_ARG', `${this.name}: eps must be > 0, got ${this.eps}`);
    this.elementwiseAffine = bool(this.name, 'elementwiseAffine', o.elementwiseAffine ?? true);
    const n = this.normalizedShape;
    this.weight = this.elementwiseAffine ? this.registerParameter('weight', stateTensor([n], `${this.name}.weight`, { fill: 1 })) : null;
    this.bias = this.elementwiseAffine ? this.registerParameter('bias', stateTensor([n], `${this.name}.bias`)) : null;
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps, this.workspace(options), this.name);
  }

  outputShape(inputShape: Shape): number[] {
    const last = inputShape[inputShape.length - 1];
    if ((inputShape.length !== 1 && inputShape.length !== 2) || last !== this.normalizedShape) {
      fail(
        'ERR_SHAPE',
        `${this.name}: expected input [batch, ${this.normalizedShape}] or [batch, time, ${this.normalizedShape}], ` +
          `got ${formatShape(['batch', ...inputShape])}`,
      );
    }
    return [...inputShape];
  }

  override getConfig(): LayerConfig {
    return {
      type: 'LayerNorm',
      name: this.name,
      normalizedShape: this.normalizedShape,
      eps: this.eps,
      elementwiseAffine: this.elementwiseAffine,
    };
  }

  override toString(): string {
    return `${this.name}: LayerNorm(${this.normalizedShape}, eps ${this.eps}${this.elementwiseAffine ? '' : ', no affine'})`;
  }
}
