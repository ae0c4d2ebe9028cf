/**
 * Embedding: a [numEmbeddings, dim] table of learned vectors, looked up by integer index ([B, T] → [B, T, dim]); PyTorch's
 * nn.Embedding (state_dict `weight` [num, dim], initialized N(0, 1), the padding row zero and never trained).
 *
 * With a paddingIdx, each row's length is its steps before its trailing padding, and the output carries those lengths
 * (lib/ops/sequence-lengths.ts) to a recurrent layer further on, which then stops each row at its length (Keras's
 * mask_zero idea): a padded batch trains as PyTorch's packed sequences would, in fit, its worker and predict alike.
 * Lengths attached to the input by hand (withLengths) are passed on instead.
 */
import { integer } from '../check.js';
import { fail } from '../errors.js';
import { initialize, type InitializerSpec } from '../init.js';
import { embedding } from '../ops/embedding.js';
import { carryLengths, lengthsOf, withLengths } from '../ops/sequence-lengths.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, type Shape, type Tensor } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';

export interface EmbeddingOptions {
  /** The padding index: its row starts at zero and gets no gradient, and trailing padding sets each row's length. */
  paddingIdx?: number | null;
  /** Default: PyTorch's, normal(0, 1). */
  initializer?: InitializerSpec;
  name?: string;
  rng?: Random;
}

export class Embedding extends Layer {
  readonly type = 'Embedding';
  readonly numEmbeddings: number;
  readonly dim: number;
  readonly paddingIdx: number | null;
  readonly weight: Tensor;

  constructor(numEmbeddings: number, dim: number, options: EmbeddingOptions = {}) {
    super('embedding', options.name);
    this.numEmbeddings = integer(this.name, 'numEmbeddings', numEmbeddings);
    this.dim = integer(this.name, 'dim', dim);
    const pad = options.paddingIdx ?? null;
    if (pad !== null && !(Number.isInteger(pad) && pad >= 0 && pad < numEmbeddings))
      fail('ERR_INVALID_ARG', `${this.name}: paddingIdx must be an integer in [0, ${numEmbeddings}), got ${String(pad)}`);
    this.paddingIdx = pad;
    this.weight = this.registerParameter('weight', stateTensor([numEmbeddings, dim], `${this.name}.weight`));
    initialize(
      options.initializer ?? { kind: 'normal', mean: 0, std: 1 },
      this.weight.data,
      this.weight.shape,
      options.rng ?? defaultRandom,
    );
    if (pad !== null) this.weight.data.fill(0, pad * dim, (pad + 1) * dim);
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const out = embedding(x, this.weight, this.paddingIdx, this.workspace(options), this.name);
    if (lengthsOf(x) !== null) return carryLengths(x, out);
    if (this.paddingIdx !== null && x.shape.length === 2) withLengths(out, this.lengths(x));
    return out;
  }

  /** Each row's steps before its trailing padding (a row of padding only has length 0). */
  lengths(x: Tensor): Int32Array {
    const [B, T] = x.shape;
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let n = T;
      while (n > 0 && x.data[b * T + n - 1] === this.paddingIdx) n--;
      out[b] = n;
    }
    return out;
  }

  /** Indices of any shape; the output adds the vector axis. */
  outputShape(inputShape: Shape): number[] {
    if (inputShape.length < 1)
      fail('ERR_SHAPE', `${this.name}: expected indices [batch, steps], got ${formatShape(['batch', ...inputShape])}`);
    return [...inputShape, this.dim];
  }

  override getConfig(): LayerConfig {
    return { type: 'Embedding', name: this.name, numEmbeddings: this.numEmbeddings, dim: this.dim, paddingIdx: this.paddingIdx };
  }

  override toString(): string {
    const pad = this.paddingIdx === null ? '' : `, paddingIdx ${this.paddingIdx}`;
    return `${this.name}: Embedding(${this.numEmbeddings}, ${this.dim}${pad})`;
  }
}
