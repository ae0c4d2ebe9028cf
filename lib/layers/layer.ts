/**
 * What every layer is: a forward pass over a batch, its parameters (named PyTorch state_dict style),
 * non-trainable buffers (running statistics), train/eval mode, and shape inference so that a wrong
 * shape is reported — naming the layer — before any work is done.
 *
 * Shapes given to `outputShape` are per sample (without the batch dimension): a Dense(784, 10) maps [784] to [10].
 */
import { fail } from '../errors.js';
import { checkBatch } from '../ops/checks.js';
import { Workspace } from '../ops/workspace.js';
import { sharedFloat32 } from '../shared-memory.js';
import { Tensor, shapeSize, type Shape } from '../tensor.js';

export interface ForwardOptions {
  /**
   * Training-loop mode: the layer writes its output (and gradient) into buffers it keeps and reuses on
   * the next call with the same batch size, so steady-state steps allocate no typed arrays. The output is
   * overwritten by the next call: copy it if you keep it. Default false (fresh outputs).
   */
  reuse?: boolean;
}

/**
 * A layer's architecture as plain JSON (no weights): `type` picks the factory in lib/layers/registry.ts,
 * the other keys are the constructor's arguments. What checkpoints store, so a model can be rebuilt.
 */
export interface LayerConfig {
  type: string;
  name?: string;
  [key: string]: unknown;
}

/**
 * A layer's weight tensor, on shared memory from the start: fit's worker thread then trains it in place, with no
 * copy on the caller's thread when fit begins (lib/shared-memory.ts). Filled with `fill` (default 0).
 */
export function weightTensor(shape: Shape, name: string, options: { fill?: number; requiresGrad?: boolean } = {}): Tensor {
  const data = sharedFloat32(shapeSize(shape));
  if (options.fill) data.fill(options.fill);
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad ?? true, name });
}

const counters = new Map<string, number>();

/** "dense_1", "dense_2"…: unique per process, used in error messages and summaries. */
export function uniqueLayerName(prefix: string): string {
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

export abstract class Layer {
  readonly name: string;
  /** The class name shown in summaries ("Dense", "BatchNorm1d"…). */
  abstract readonly type: string;
  training = true;
  private readonly buffers = new Workspace();

  constructor(prefix: string, name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === '')) fail('ERR_INVALID_ARG', `layer name must be a non-empty string, got ${String(name)}`);
    this.name = name ?? uniqueLayerName(prefix);
  }

  abstract forward(x: Tensor, options?: ForwardOptions): Tensor;

  /** The per-sample output shape for a per-sample input shape; ERR_SHAPE naming the layer when it does not fit. */
  abstract outputShape(inputShape: Shape): number[];

  /** Trainable parameters, by local name ("weight", "bias"). */
  namedParameters(): [string, Tensor][] {
    return [];
  }

  /** Non-trainable state saved with the weights ("running_mean", "running_var"). */
  namedBuffers(): [string, Float32Array][] {
    return [];
  }

  /** Parameters then buffers (PyTorch's state_dict order): what getWeights/setWeights and saving use. */
  namedWeights(): [string, Float32Array][] {
    return [...this.namedParameters().map(([name, t]) => [name, t.data] as [string, Float32Array]), ...this.namedBuffers()];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** The weights an L2 penalty applies to (weight matrices, never biases or normalization scales). */
  regularizedWeights(): Tensor[] {
    return [];
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /**
   * The constructor arguments as plain JSON, for lib/layers/registry.ts to rebuild the layer. A layer type
   * that does not override it cannot be saved, and says so here rather than writing a file nobody can load.
   */
  getConfig(): LayerConfig {
    fail('ERR_INVALID_ARG', `${this.name}: ${this.type} layers cannot be saved yet (the class has no getConfig())`);
  }

  eval(): this {
    return this.train(false);
  }

  /** The buffers to run in: the layer's own workspace in reuse mode, none (fresh arrays) otherwise. */
  protected workspace(options?: ForwardOptions): Workspace | undefined {
    return options?.reuse ? this.buffers : undefined;
  }

  /** Validates a batch against this layer's expected input before any work. */
  protected checkInput(x: Tensor): void {
    if (!(x instanceof Tensor)) fail('ERR_INVALID_ARG', `${this.name}: input must be a Tensor`);
    checkBatch(this.name, x);
    this.outputShape(x.shape.slice(1));
  }
}
