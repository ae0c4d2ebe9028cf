/**
 * Conv1d: a 1-D convolution over [batch, C, L] (PyTorch's nn.Conv1d: zero padding, stride, dilation), weights stored
 * [O, C, k] as PyTorch does (so its state_dict loads as is), lowered to one sgemm per row by the backend.
 * Initialization is PyTorch's default, as Conv2d's: weight and bias uniform in ±1/√fan_in, fan_in = C·k.
 */
import { checkKnownKeys, integer, optionsObject } from '../check.js';
import { fail } from '../errors.js';
import { initialize, type InitializerSpec } from '../init.js';
import { convOutputSize } from '../ops/conv.js';
import { conv1d } from '../ops/conv1d.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, type Tensor, type Shape } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export interface Conv1dLayerOptions {
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

const OPTION_KEYS = ['stride', 'padding', 'dilation', 'bias', 'kernelInitializer', 'biasInitializer', 'name', 'rng'];

export class Conv1d extends Layer {
  readonly type = 'Conv1d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: Conv1dLayerOptions = {}) {
    const o = optionsObject('Conv1d', options) as Conv1dLayerOptions;
    checkKnownKeys('Conv1d', o, OPTION_KEYS);
    super('conv1d', o.name);
    this.inChannels = integer(this.name, 'inChannels', inChannels);
    this.outChannels = integer(this.name, 'outChannels', outChannels);
    this.kernelSize = integer(this.name, 'kernelSize', kernelSize);
    this.stride = integer(this.name, 'stride', o.stride ?? 1);
    this.padding = integer(this.name, 'padding', o.padding ?? 0, 0);
    this.dilation = integer(this.name, 'dilation', o.dilation ?? 1);
    if (o.bias !== undefined && typeof o.bias !== 'boolean')
      fail('ERR_INVALID_ARG', `${this.name}: bias must be a boolean, got ${String(o.bias)}`);
    const rng = o.rng ?? defaultRandom;
    const bound = 1 / Math.sqrt(inChannels * kernelSize);
    this.weight = this.registerParameter('weight', stateTensor([outChannels, inChannels, kernelSize], `${this.name}.weight`));
    initialize(o.kernelInitializer ?? { kind: 'uniform', low: -bound, high: bound }, this.weight.data, this.weight.shape, rng);
    if (o.bias === false) this.bias = null;
    else {
      this.bias = this.registerParameter('bias', stateTensor([outChannels], `${this.name}.bias`));
      // A bias is 1-D: its fan is the weight's, which PyTorch uses for the bound, so only fan-free specs make sense here.
      initialize(o.biasInitializer ?? { kind: 'uniform', low: -bound, high: bound }, this.bias.data, [1, outChannels], rng);
    }
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    return conv1d(x, this.weight, this.bias, this, this.workspace(options), this.name);
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 2 || inputShape[0] !== this.inChannels)
      fail('ERR_SHAPE', `${this.name}: expected input [batch, ${this.inChannels}, length], got ${formatShape(['batch', ...inputShape])}`);
    const L = inputShape[1];
    const OL = convOutputSize(L, this.kernelSize, this.stride, this.padding, this.dilation);
    if (OL < 1) {
      fail(
        'ERR_SHAPE',
        `${this.name}: a kernel of ${this.kernelSize} (dilation ${this.dilation}, padding ${this.padding}) does not fit a length of ${L}`,
      );
    }
    return [this.outChannels, OL];
  }

  override regularizedWeights(): Tensor[] {
    return [this.weight];
  }

  /** Initializers are left out, as Conv2d's: a rebuilt layer gets its weights from the checkpoint. */
  override getConfig(): LayerConfig {
    return {
      type: 'Conv1d',
      name: this.name,
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      bias: this.bias !== null,
    };
  }

  override toString(): string {
    return (
      `${this.name}: Conv1d(${this.inChannels} → ${this.outChannels}, ${this.kernelSize}, stride ${this.stride}, ` +
      `padding ${this.padding}, dilation ${this.dilation}) ${formatShape(this.weight.shape)}`
    );
  }
}
