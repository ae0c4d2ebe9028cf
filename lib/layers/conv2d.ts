/**
 * Conv2d: a 2-D convolution over [batch, C, H, W], weights stored [O, C, kh, kw] as PyTorch does (so its
 * state_dict loads as is), lowered to one sgemm per image by the backend. Initialization is PyTorch's default,
 * kaiming_uniform(a = √5): weight and bias uniform in ±1/√fan_in, fan_in = C·kh·kw.
 */
import { integer } from '../check.js';
import { fail } from '../errors.js';
import { initialize, type InitializerSpec } from '../init.js';
import { conv2d, convOutputSize } from '../ops/conv.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, type Tensor, type Shape } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export interface Conv2dLayerOptions {
  stride?: number; // 1
  padding?: number; // 0 (zeros)
  dilation?: number; // 1
  /** A learnable per-channel bias (default true). */
  bias?: boolean;
  /** Default: PyTorch's, uniform ±1/√fan_in. */
  kernelInitializer?: InitializerSpec;
  /** Default: PyTorch's, uniform ±1/√fan_in. */
  biasInitializer?: InitializerSpec;
  name?: string;
  /** The generator for initialization (default: the library's seeded one). */
  rng?: Random;
}

export class Conv2d extends Layer {
  readonly type = 'Conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dLayerOptions = {}) {
    super('conv2d', options.name);
    this.inChannels = integer(this.name, 'inChannels', inChannels);
    this.outChannels = integer(this.name, 'outChannels', outChannels);
    const [kh, kw] = Array.isArray(kernelSize) ? kernelSize : [kernelSize, kernelSize];
    this.kernelSize = [integer(this.name, 'kernelSize', kh), integer(this.name, 'kernelSize', kw)];
    this.stride = integer(this.name, 'stride', options.stride ?? 1);
    this.padding = integer(this.name, 'padding', options.padding ?? 0, 0);
    this.dilation = integer(this.name, 'dilation', options.dilation ?? 1);
    const rng = options.rng ?? defaultRandom;
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.weight = this.registerParameter('weight', stateTensor([outChannels, inChannels, kh, kw], `${this.name}.weight`));
    initialize(options.kernelInitializer ?? { kind: 'uniform', low: -bound, high: bound }, this.weight.data, this.weight.shape, rng);
    if (options.bias === false) this.bias = null;
    else {
      this.bias = this.registerParameter('bias', stateTensor([outChannels], `${this.name}.bias`));
      // A bias is 1-D: its fan is the weight's, which PyTorch uses for the bound, so only fan-free specs make sense here.
      initialize(options.biasInitializer ?? { kind: 'uniform', low: -bound, high: bound }, this.bias.data, [1, outChannels], rng);
    }
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return conv2d(x, this.weight, this.bias, this, this.workspace(options), this.name);
  }

  outputShape(inputShape: Shape): number[] {
    const [kh, kw] = this.kernelSize;
    if (inputShape.length !== 3 || inputShape[0] !== this.inChannels) {
      fail(
        'ERR_SHAPE',
        `${this.name}: expected input [batch, ${this.inChannels}, height, width], got ${formatShape(['batch', ...inputShape])}`,
      );
    }
    const [, H, W] = inputShape;
    const OH = convOutputSize(H, kh, this.stride, this.padding, this.dilation),
      OW = convOutputSize(W, kw, this.stride, this.padding, this.dilation);
    if (OH < 1 || OW < 1) {
      fail(
        'ERR_SHAPE',
        `${this.name}: a ${kh}×${kw} kernel (dilation ${this.dilation}, padding ${this.padding}) does not fit a ${H}×${W} input`,
      );
    }
    return [this.outChannels, OH, OW];
  }

  override regularizedWeights(): Tensor[] {
    return [this.weight];
  }

  /** Initializers are left out, as Dense's: a rebuilt layer gets its weights from the checkpoint. */
  override getConfig(): LayerConfig {
    return {
      type: 'Conv2d',
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: [...this.kernelSize],
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      bias: this.bias !== null,
    };
  }

  override toString(): string {
    return (
      `${this.name}: Conv2d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize.join('×')}, ` +
      `stride ${this.stride}, padding ${this.padding}) ${formatShape(this.weight.shape)}`
    );
  }
}
