/**
 * What every layer is: a forward pass over a batch, its state (parameters and non-trainable buffers such as
 * running statistics, each registered once by name, PyTorch's register_parameter/register_buffer), train/eval
 * mode, and shape inference so that a wrong shape is reported — naming the layer — before any work is done.
 * Everything that walks a model's state (getWeights/setWeights, state_dict names, checkpoints, fit's worker
 * thread) goes through `namedState()`, so nothing needs to know a layer's fields.
 *
 * Shapes given to `outputShape` are per sample (without the batch dimension): a Dense(784, 10) maps [784] to [10].
 */
import { fail } from '../errors.js';
import { checkBatch } from '../ops/checks.js';
import type { Random } from '../random.js';
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
 * A new state tensor (a parameter or a buffer), filled with `fill` (default 0). It is allocated on shared memory,
 * so that a fit in a worker thread trains it in place without a copy on the caller's thread when it begins
 * (lib/shared-memory.ts); that is the only place layers meet the worker, and any state array that is not shared
 * (a `.data` replaced by hand) is moved there, in place, when such a fit begins (lib/train/worker/shared.ts).
 */
export function stateTensor(shape: Shape, name: string, options: { fill?: number; requiresGrad?: boolean } = {}): Tensor {
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
  private readonly parameterTable = new Map<string, Tensor>();
  private readonly bufferTable = new Map<string, Tensor>();

  constructor(prefix: string, name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      fail('ERR_INVALID_ARG', `layer name must be a non-empty string, got ${String(name)}`);
    this.name = name ?? uniqueLayerName(prefix);
  }

  /** The per-sample output shape for a per-sample input shape; ERR_SHAPE naming the layer when it does not fit. */
  abstract outputShape(inputShape: Shape): number[];

  /**
   * A trainable parameter, registered once (in the constructor) under its local name ("weight", "bias"): it is then
   * listed by namedParameters() and namedState(), in registration order. Returns the tensor.
   */
  protected registerParameter(name: string, tensor: Tensor): Tensor {
    this.register(this.parameterTable, name, tensor);
    return tensor;
  }

  /**
   * Non-trainable state saved with the weights ("running_mean", "running_var"), registered once. Code that uses it
   * reads `tensor.data` when it runs (never keeps the array), so the array can be replaced in place.
   */
  protected registerBuffer(name: string, tensor: Tensor): Tensor {
    this.register(this.bufferTable, name, tensor);
    return tensor;
  }

  private register(table: Map<string, Tensor>, name: string, tensor: Tensor): void {
    if (!(tensor instanceof Tensor)) fail('ERR_INVALID_ARG', `${this.name}: state "${name}" must be a Tensor`);
    if (this.parameterTable.has(name) || this.bufferTable.has(name))
      fail('ERR_INVALID_ARG', `${this.name}: state "${name}" is already registered`);
    table.set(name, tensor);
  }

  /** The layers inside this one, by the name their state is prefixed with ("0", "1"… in a Sequential). */
  children(): [string, Layer][] {
    return [];
  }

  /** Trainable parameters by state_dict name ("weight", "bias"; in a container "0.weight"…). */
  namedParameters(): [string, Tensor][] {
    return [...this.parameterTable, ...this.fromChildren((child) => child.namedParameters())];
  }

  /** Non-trainable state saved with the weights ("running_mean", "running_var"). */
  namedBuffers(): [string, Float32Array][] {
    return this.namedBufferTensors().map(([name, t]) => [name, t.data]);
  }

  /** The buffers as the tensors that hold them. */
  namedBufferTensors(): [string, Tensor][] {
    return [...this.bufferTable, ...this.fromChildren((child) => child.namedBufferTensors())];
  }

  /**
   * Every state tensor, layer by layer, parameters then buffers (PyTorch's state_dict order): what getWeights/
   * setWeights, saving and fit's worker thread walk. Replacing a tensor's `.data` here replaces it for the layer.
   */
  namedState(): [string, Tensor][] {
    if (this.children().length === 0) return [...this.namedParameters(), ...this.namedBufferTensors()];
    return [...this.parameterTable, ...this.bufferTable, ...this.fromChildren((child) => child.namedState())];
  }

  /** The arrays of namedState() (and of any buffer a layer lists without registering it). */
  namedWeights(): [string, Float32Array][] {
    const data = ([name, t]: [string, Tensor]): [string, Float32Array] => [name, t.data];
    if (this.children().length === 0) return [...this.namedParameters().map(data), ...this.namedBuffers()];
    return [...this.parameterTable, ...this.bufferTable].map(data).concat(this.fromChildren((child) => child.namedWeights()));
  }

  /**
   * The generators this layer draws from when it runs (Dropout's masks), for code that must carry their state
   * (fit's worker thread). Construction-time generators (initialization) are not listed.
   */
  generators(): Random[] {
    return this.children().flatMap(([, child]) => child.generators());
  }

  private fromChildren<T>(list: (child: Layer) => [string, T][]): [string, T][] {
    return this.children().flatMap(([prefix, child]) => list(child).map(([name, v]) => [`${prefix}.${name}`, v] as [string, T]));
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** The weights an L2 penalty applies to (weight matrices, never biases or normalization scales). */
  regularizedWeights(): Tensor[] {
    return this.children().flatMap(([, child]) => child.regularizedWeights());
  }

  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.children()) child.train(mode);
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

  /** Runs the layer on a batch, after checking the batch against the layer's expected input. */
  forward(x: Tensor, options?: ForwardOptions): Tensor {
    this.checkInput(x);
    return this.apply(x, options);
  }

  /**
   * The layer's computation on an input whose shape was already checked: `forward` checks, then calls this, and
   * a container that checked the shapes through all its layers up front (Sequential) calls it directly, so each
   * input is checked once. Built-in layers implement `apply`; a layer of your own may implement either one.
   */
  apply(x: Tensor, options?: ForwardOptions): Tensor {
    if (this.forward === Layer.prototype.forward) fail('ERR_INVALID_ARG', `${this.name}: a layer must implement apply() (or forward())`);
    return this.forward(x, options);
  }

  /** Validates a batch against this layer's expected input before any work. */
  protected checkInput(x: Tensor): void {
    if (!(x instanceof Tensor)) fail('ERR_INVALID_ARG', `${this.name}: input must be a Tensor`);
    checkBatch(this.name, x);
    this.outputShape(x.shape.slice(1));
  }
}

/** The layers that hold state and run kernels, in namedState() order: containers replaced by what they contain. */
export function leafLayers(layer: Layer): Layer[] {
  const children = layer.children();
  return children.length === 0 ? [layer] : children.flatMap(([, child]) => leafLayers(child));
}
