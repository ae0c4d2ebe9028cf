/**
 * LSTM and GRU layers over batch-first sequences [B, T, inputSize], PyTorch's nn.LSTM / nn.GRU (batch_first=True): the
 * same gate orders (LSTM i, f, g, o; GRU r, z, n with n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))), state_dict names
 * and layouts (weight_ih_l0 [G·H, I], weight_hh_l0, bias_ih_l0, bias_hh_l0, `_reverse` for the second direction) and
 * initialization (every parameter uniform ±1/√hidden), so weights move between the two as they are.
 *
 * `run(x, { h0, c0, lengths })` gives the whole result ({ output, h, c }); as a layer in a Sequential, `returns` picks
 * what the next layer gets: the output sequence [B, T, D·H], the output at each row's last step [B, D·H] (a classifier
 * head's input), or the last layer's final hidden state, both directions side by side [B, D·H] (for a bidirectional
 * layer this is the usual head input: the reverse direction's state after the whole row, not after one step).
 * Lengths come from the input (an Embedding with paddingIdx, or withLengths) unless `run` is given them.
 */
import { bool, integer, oneOf, optionsObject, checkKnownKeys } from '../check.js';
import { fail } from '../errors.js';
import { initialize } from '../init.js';
import { currentBackend } from '../ops/current-backend.js';
import { GATES, gather, recurrent, type RecurrentKind, type RecurrentResult, type RecurrentWeights } from '../ops/recurrent.js';
import { carryLengths, checkLengths, lengthsOf } from '../ops/sequence-lengths.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape, type Shape, Tensor } from '../tensor.js';
import { Layer, stateTensor, type ForwardOptions, type LayerConfig } from './layer.js';
import type { Workspace } from '../ops/workspace.js';

export const RECURRENT_RETURNS = ['sequence', 'lastStep', 'finalState'] as const;
export type RecurrentReturns = (typeof RECURRENT_RETURNS)[number];

export interface RecurrentLayerOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** A second direction per layer, running each row from its last step back (default false). */
  bidirectional?: boolean;
  /** Dropout on each layer's output but the last, in training (default 0; needs numLayers ≥ 2). */
  dropout?: number;
  /** What forward/apply gives the next layer (default 'sequence'). */
  returns?: RecurrentReturns;
  name?: string;
  /** The generator for initialization and the dropout masks (default: the library's seeded one). */
  rng?: Random;
}

export interface RunOptions {
  /** Initial hidden states [numLayers·directions, B, H] (default zeros). */
  h0?: Tensor | null;
  /** Initial cells (LSTM only), like h0. */
  c0?: Tensor | null;
  /** Per-row lengths (B integers in [0, T]); default: those attached to x, else every row runs all T steps. */
  lengths?: ArrayLike<number> | null;
}

/** A bound on stacked layers, so a config (from a file) cannot make the state list itself huge before any check. */
export const MAX_RECURRENT_LAYERS = 1024;

const OPTION_KEYS = ['numLayers', 'bidirectional', 'dropout', 'returns', 'name', 'rng'];

export abstract class Recurrent extends Layer {
  abstract readonly kind: RecurrentKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly returns: RecurrentReturns;
  readonly rng: Random;
  /** Per layer, per direction (index layer·directions + direction). */
  readonly weights: RecurrentWeights[] = [];

  protected constructor(prefix: string, gates: number, inputSize: number, hiddenSize: number, options: RecurrentLayerOptions) {
    const o = optionsObject(prefix, options);
    super(prefix, o.name as string | undefined);
    checkKnownKeys(this.name, o, OPTION_KEYS);
    this.inputSize = integer(this.name, 'inputSize', inputSize);
    this.hiddenSize = integer(this.name, 'hiddenSize', hiddenSize);
    this.numLayers = integer(this.name, 'numLayers', o.numLayers ?? 1);
    if (this.numLayers > MAX_RECURRENT_LAYERS)
      fail('ERR_INVALID_ARG', `${this.name}: numLayers must be at most ${MAX_RECURRENT_LAYERS}, got ${this.numLayers}`);
    this.bidirectional = bool(this.name, 'bidirectional', o.bidirectional ?? false);
    const dropout = o.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1))
      fail('ERR_INVALID_ARG', `${this.name}: dropout must be in [0, 1), got ${String(dropout)}`);
    if (dropout > 0 && this.numLayers === 1)
      fail(
        'ERR_INVALID_ARG',
        `${this.name}: dropout applies between stacked layers and needs numLayers >= 2; add a Dropout layer after instead`,
      );
    this.dropout = dropout;
    this.returns = oneOf(this.name, 'returns', o.returns ?? 'sequence', RECURRENT_RETURNS);
    this.rng = (o.rng as Random | undefined) ?? defaultRandom;
    const H = this.hiddenSize,
      G = gates * H,
      bound = 1 / Math.sqrt(H);
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < this.directions; d++) {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const In = l === 0 ? this.inputSize : this.directions * H;
        const make = (name: string, shape: number[]) => {
          const t = this.registerParameter(`${name}${suffix}`, stateTensor(shape, `${this.name}.${name}${suffix}`));
          initialize({ kind: 'uniform', low: -bound, high: bound }, t.data, t.shape, this.rng);
          return t;
        };
        this.weights.push({
          wih: make('weight_ih', [G, In]),
          whh: make('weight_hh', [G, H]),
          bih: make('bias_ih', [G]),
          bhh: make('bias_hh', [G]),
        });
      }
    }
  }

  get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /** The whole result: output [B, T, D·H] (padded steps 0), h (and c for an LSTM) [numLayers·D, B, H]. */
  protected runWith(x: Tensor, options: RunOptions, ws?: Workspace): RecurrentResult {
    const o = optionsObject(`${this.name}.run`, options);
    checkKnownKeys(`${this.name}.run`, o, ['h0', 'c0', 'lengths']);
    if (!(x instanceof Tensor)) fail('ERR_INVALID_ARG', `${this.name}: input must be a Tensor`);
    this.outputShapeOf(x.shape.slice(1), 'sequence');
    const [B, T] = x.shape;
    const given = o.lengths ?? null;
    const lengths = given === null ? lengthsOf(x) : checkLengths(this.name, given, B, T);
    const dropping = this.training && this.dropout > 0;
    const seeds = dropping ? Array.from({ length: this.numLayers - 1 }, () => this.rng.nextUint32()) : [];
    const spec = {
      kind: this.kind,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      directions: this.directions,
      keep: dropping ? 1 - this.dropout : 1,
      seeds,
    };
    const result = recurrent(x, this.weights, spec, (o.h0 as Tensor) ?? null, (o.c0 as Tensor) ?? null, lengths, ws, this.name);
    if (lengths !== null) carryLengths(x, result.output);
    return result;
  }

  override apply(x: Tensor, options?: ForwardOptions): Tensor {
    const ws = this.workspace(options);
    const result = this.runWith(x, {}, ws);
    if (this.returns === 'sequence') return result.output;
    const [B, T] = x.shape;
    const F = this.directions * this.hiddenSize;
    const index = new Int32Array(B * F);
    const lengths = lengthsOf(x);
    if (this.returns === 'lastStep') {
      // out[b, len_b − 1] (a row of length 0 gives zeros).
      for (let b = 0; b < B; b++) {
        const len = lengths === null ? T : lengths[b];
        for (let f = 0; f < F; f++) index[b * F + f] = len === 0 ? -1 : (b * T + len - 1) * F + f;
      }
      return gather(currentBackend(), result.output, index, [B, F], ws, 'rnn.last');
    }
    // h[(numLayers − 1)·D + d, b, j] for each direction d, side by side.
    const H = this.hiddenSize,
      top = (this.numLayers - 1) * this.directions;
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < this.directions; d++) {
        for (let j = 0; j < H; j++) index[b * F + d * H + j] = ((top + d) * B + b) * H + j;
      }
    }
    return gather(currentBackend(), result.h, index, [B, F], ws, 'rnn.final');
  }

  outputShape(inputShape: Shape): number[] {
    return this.outputShapeOf(inputShape, this.returns);
  }

  private outputShapeOf(inputShape: Shape, returns: RecurrentReturns): number[] {
    if (inputShape.length !== 2 || inputShape[1] !== this.inputSize) {
      fail('ERR_SHAPE', `${this.name}: expected input [batch, steps, ${this.inputSize}], got ${formatShape(['batch', ...inputShape])}`);
    }
    const F = this.directions * this.hiddenSize;
    return returns === 'sequence' ? [inputShape[0], F] : [F];
  }

  override regularizedWeights(): Tensor[] {
    return this.weights.flatMap((w) => [w.wih, w.whh]);
  }

  override generators(): Random[] {
    return [this.rng];
  }

  override getConfig(): LayerConfig {
    return {
      type: this.type,
      name: this.name,
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      dropout: this.dropout,
      returns: this.returns,
    };
  }

  override toString(): string {
    const extra = `${this.numLayers > 1 ? `, ${this.numLayers} layers` : ''}${this.bidirectional ? ', bidirectional' : ''}`;
    return `${this.name}: ${this.type}(${this.inputSize} → ${this.hiddenSize}${extra}, returns ${this.returns})`;
  }
}

export class LSTM extends Recurrent {
  readonly type = 'LSTM';
  readonly kind = 'lstm';

  constructor(inputSize: number, hiddenSize: number, options: RecurrentLayerOptions = {}) {
    super('lstm', GATES.lstm, inputSize, hiddenSize, options);
  }

  /** The output sequence and the final states: { output [B, T, D·H], h, c [numLayers·D, B, H] }. */
  run(x: Tensor, options: RunOptions = {}): { output: Tensor; h: Tensor; c: Tensor } {
    const r = this.runWith(x, options);
    return { output: r.output, h: r.h, c: r.c! };
  }
}

export class GRU extends Recurrent {
  readonly type = 'GRU';
  readonly kind = 'gru';

  constructor(inputSize: number, hiddenSize: number, options: RecurrentLayerOptions = {}) {
    super('gru', GATES.gru, inputSize, hiddenSize, options);
  }

  /** The output sequence and the final state: { output [B, T, D·H], h [numLayers·D, B, H] }. */
  run(x: Tensor, options: Omit<RunOptions, 'c0'> = {}): { output: Tensor; h: Tensor } {
    if ((options as RunOptions).c0 != null) fail('ERR_INVALID_ARG', `${this.name}: a GRU has no cell state (c0)`);
    const r = this.runWith(x, options);
    return { output: r.output, h: r.h };
  }
}
