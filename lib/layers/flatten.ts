/** Flatten: [batch, d1, d2, …] → [batch, d1·d2·…], sharing the input's memory (free forward). */
import { reshape } from '../ops/elementwise.js';
import { shapeSize, type Tensor, type Shape } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';

export class Flatten extends Layer {
  readonly type = 'Flatten';

  constructor(options: { name?: string } = {}) {
    super('flatten', options.name);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return reshape(x, [x.shape[0], shapeSize(x.shape.slice(1))], this.workspace(options));
  }

  outputShape(inputShape: Shape): number[] {
    return [shapeSize(inputShape)];
  }

  override getConfig(): LayerConfig {
    return { type: 'Flatten', name: this.name };
  }
}
