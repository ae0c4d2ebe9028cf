/** Dense (fully connected) layer: y = f(x·W + b) with W stored [in, out], one backend crossing each way. */
import { positiveInteger } from '../check.js';
import { fail } from '../errors.js';
import { ACTIVATION_KINDS, type ActivationKind } from '../backend/contract.js';
import { defaultInitializer, initialize, type InitializerSpec } from '../init.js';
import { checkActivation, defaultActivationParam, logSoftmax, softmax } from '../ops/activation.js';
import { dense } from '../ops/dense.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, type Tensor, type Shape } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export type DenseActivation = ActivationKind | 'softmax' | 'logSoftmax';
/** Softmax and log-softmax are row-wise: they run as a second op after the (linear) fused kernel. */
const rowWise = (a: DenseActivation): a is 'softmax' | 'logSoftmax' => a === 'softmax' || a === 'logSoftmax';

export interface DenseOptions {
  /** Fused into the same kernel call (softmax and logSoftmax run as a second op). Default linear. */
  activation?: DenseActivation;
  /** The leaky-relu slope (default 0.01) or the ELU alpha (default 1). */
  alpha?: number;
  useBias?: boolean;
  /** Default: He for the ReLU family, Glorot for the rest (lib/init.ts). */
  kernelInitializer?: InitializerSpec;
  /** Default zeros. */
  biasInitializer?: InitializerSpec;
  name?: string;
  /** The generator for initialization (default: the library's seeded one). */
  rng?: Random;
}

export class Dense extends Layer {
  readonly type = 'Dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: DenseActivation;
  readonly alpha: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super('dense', options.name);
    this.inFeatures = positiveInteger(this.name, 'inFeatures', inFeatures);
    this.outFeatures = positiveInteger(this.name, 'outFeatures', outFeatures);
    this.activation = options.activation ?? 'linear';
    const fused: ActivationKind = rowWise(this.activation) ? 'linear' : this.activation;
    if (!rowWise(this.activation) && !ACTIVATION_KINDS.includes(this.activation)) checkActivation(this.name, this.activation, 0);
    this.alpha = options.alpha ?? defaultActivationParam(fused);
    checkActivation(this.name, fused, this.alpha);
    const rng = options.rng ?? defaultRandom;
    this.weight = this.registerParameter('weight', stateTensor([inFeatures, outFeatures], `${this.name}.weight`));
    initialize(options.kernelInitializer ?? defaultInitializer(this.activation, this.alpha), this.weight.data, this.weight.shape, rng);
    if (options.useBias === false) this.bias = null;
    else {
      this.bias = this.registerParameter('bias', stateTensor([outFeatures], `${this.name}.bias`));
      // A bias is 1-D: fans do not apply, so only fan-free initializers make sense here.
      if (options.biasInitializer !== undefined) initialize(options.biasInitializer, this.bias.data, [1, outFeatures], rng);
    }
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const ws = this.workspace(options);
    const kind: ActivationKind = rowWise(this.activation) ? 'linear' : this.activation;
    const y = dense(x, this.weight, this.bias, kind, this.alpha, ws, this.name);
    if (this.activation === 'softmax') return softmax(y, ws);
    return this.activation === 'logSoftmax' ? logSoftmax(y, ws) : y;
  }

  outputShape(inputShape: Shape): number[] {
    if (inputShape.length !== 1) {
      fail(
        'ERR_SHAPE',
        `${this.name}: expected input of shape [batch, ${this.inFeatures}], got [batch, ${inputShape.join(', ')}]` +
          `${inputShape.length > 1 ? ' (add a Flatten layer before it)' : ''}`,
      );
    }
    if (inputShape[0] !== this.inFeatures)
      fail('ERR_SHAPE', `${this.name}: expected input with ${this.inFeatures} features, got ${inputShape[0]}`);
    return [this.outFeatures];
  }

  override regularizedWeights(): Tensor[] {
    return [this.weight];
  }

  /** Initializers are left out: a rebuilt layer gets its weights from the checkpoint, or fresh defaults. */
  override getConfig(): LayerConfig {
    return {
      type: 'Dense',
      name: this.name,
      in: this.inFeatures,
      out: this.outFeatures,
      activation: this.activation,
      alpha: this.alpha,
      useBias: this.bias !== null,
    };
  }

  override toString(): string {
    return `${this.name}: Dense(${this.inFeatures} → ${this.outFeatures}, ${this.activation}) ${formatShape(this.weight.shape)}`;
  }
}
