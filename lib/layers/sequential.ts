/**
 * Sequential: layers applied in order. Besides forward, it is what the training loop and persistence
 * work with: PyTorch-style parameter names ("0.weight", "0.bias", "2.running_mean"), train/eval,
 * a printed summary, and weight snapshots (getWeights/setWeights).
 *
 * A container only: training and saving sit above the layers and attach their methods to it (`fit`,
 * `fitBlocking`, `evaluate`, `predict` from lib/train/fit.ts; `save`, `Sequential.load` from
 * lib/io/checkpoint.ts), so no module here imports them.
 */
import { fail } from '../errors.js';
import { checkBatch, checkFinite } from '../ops/checks.js';
import { carryLengths } from '../ops/sequence-lengths.js';
import { formatShape, isFloat32Array, shapeSize, Tensor, type Shape } from '../tensor.js';
import { Layer, type ForwardOptions, type LayerConfig } from './layer.js';
import { isPlainObject } from '../plain-data.js';
import { checkConfigKeys, declaredStateShapes, layerFromConfig, registerBuiltInLayer } from './registry.js';

export interface SequentialForwardOptions extends ForwardOptions {
  /** Check the input for NaN/Inf before running (default true; fit may check the whole dataset once instead). */
  checkInput?: boolean;
}

export class Sequential extends Layer {
  readonly type = 'Sequential';
  readonly layers: Layer[] = [];

  constructor(layers: Layer[] = [], options: { name?: string } = {}) {
    super('sequential', options.name);
    for (const layer of layers) this.add(layer);
  }

  add(layer: Layer): this {
    if (!(layer instanceof Layer)) fail('ERR_INVALID_ARG', `${this.name}: add() expects a Layer, got ${typeof layer}`);
    if (this.layers.includes(layer)) fail('ERR_INVALID_ARG', `${this.name}: ${layer.name} is already in this model`);
    layer.train(this.training);
    this.layers.push(layer);
    return this;
  }

  /**
   * Runs every layer. All checks come first (shapes through every layer, then NaN/Inf in the input), so
   * a bad batch fails before any kernel runs, with an error naming the layer or the input.
   */
  override forward(x: Tensor, options: SequentialForwardOptions = {}): Tensor {
    if (!(x instanceof Tensor)) fail('ERR_INVALID_ARG', `${this.name}: input must be a Tensor`);
    checkBatch(`${this.name} input`, x);
    this.outputShape(x.shape.slice(1));
    if (options.checkInput !== false) checkFinite(`${this.name} input`, x.data, shapeSize(x.shape.slice(1)));
    return this.apply(x, options);
  }

  /** Every layer's computation in turn; the shapes through all of them were checked by forward (or by a container holding this one). */
  override apply(x: Tensor, options: SequentialForwardOptions = {}): Tensor {
    let y = x;
    // Per-row sequence lengths ride along the layers that keep the steps (lib/ops/sequence-lengths.ts).
    for (const layer of this.layers) y = carryLengths(y, layer.apply(y, options));
    return y;
  }

  outputShape(inputShape: Shape): number[] {
    let shape = [...inputShape];
    for (const layer of this.layers) shape = layer.outputShape(shape);
    return shape;
  }

  /** The layers by index: their state is named "0.weight", "0.bias", "3.weight"… (Layer's named* methods). */
  override children(): [string, Layer][] {
    return this.layers.map((layer, i) => [String(i), layer]);
  }

  /** Sets every parameter's gradient to zero (buffers kept, so this allocates nothing). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Copies of every parameter and buffer, in namedWeights() order. */
  getWeights(): Float32Array[] {
    return this.namedWeights().map(([, data]) => data.slice());
  }

  /** Restores weights from getWeights()'s format; checks count and lengths first (ERR_SHAPE naming the parameter). */
  setWeights(weights: readonly Float32Array[]): void {
    const named = this.namedWeights();
    if (!Array.isArray(weights) || weights.length !== named.length) {
      fail(
        'ERR_SHAPE',
        `${this.name}: setWeights expects ${named.length} arrays (${named.map(([n]) => n).join(', ')}), ` +
          `got ${Array.isArray(weights) ? weights.length : typeof weights}`,
      );
    }
    named.forEach(([name, data], i) => {
      const w = weights[i];
      if (!isFloat32Array(w) || w.length !== data.length) {
        fail(
          'ERR_SHAPE',
          `${this.name}: setWeights: ${name} needs a Float32Array of ${data.length} values, got ${isFloat32Array(w) ? w.length : typeof w}`,
        );
      }
      checkFinite(`${this.name}: setWeights: ${name}`, w);
    });
    named.forEach(([, data], i) => {
      data.set(weights[i]);
    });
  }

  /** Parameter and buffer copies by name (PyTorch's state_dict). */
  stateDict(): Record<string, Float32Array> {
    return Object.fromEntries(this.namedWeights().map(([name, data]) => [name, data.slice()]));
  }

  /** The architecture as plain JSON: `{ type: 'Sequential', name, layers: [each layer's getConfig()] }`. */
  toConfig(): LayerConfig & { layers: LayerConfig[] } {
    return { type: 'Sequential', name: this.name, layers: this.layers.map((layer) => layer.getConfig()) };
  }

  override getConfig(): LayerConfig {
    return this.toConfig();
  }

  /**
   * A new model (freshly initialized weights) from toConfig()'s JSON. Checks everything first: an entry that
   * cannot be built is an ERR_INVALID_ARG naming it (`Sequential.fromConfig: layers[2] (Dense "dense_3"): …`).
   */
  static fromConfig(config: unknown, where = 'Sequential.fromConfig'): Sequential {
    if (!isPlainObject(config))
      fail(
        'ERR_INVALID_ARG',
        `${where}: expected an object { type: 'Sequential', name, layers }, got ${config === null ? 'null' : typeof config}`,
      );
    if (config.type !== 'Sequential') fail('ERR_INVALID_ARG', `${where}: expected type "Sequential", got ${JSON.stringify(config.type)}`);
    try {
      checkConfigKeys(config as LayerConfig, ['layers']);
    } catch (e) {
      fail('ERR_INVALID_ARG', `${where}: ${(e as Error).message}`);
    }
    if (!Array.isArray(config.layers)) fail('ERR_INVALID_ARG', `${where}: "layers" must be an array of layer configs`);
    const layers = config.layers.map((entry, i) => layerFromConfig(entry, `${where}: layers[${i}]`));
    return new Sequential(layers, { name: config.name as string | undefined });
  }

  /** The number of trainable values. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** A printable table: each layer's name and type, its output shape for `inputShape` (per sample), and its parameter count. */
  summary(inputShape: Shape): string {
    const rows: [string, string, string][] = [];
    let shape = [...inputShape];
    let trainable = 0;
    let fixed = 0;
    for (const layer of this.layers) {
      shape = layer.outputShape(shape);
      const params = layer.parameters().reduce((n, p) => n + p.size, 0);
      const buffers = layer.namedBuffers().reduce((n, [, b]) => n + b.length, 0);
      trainable += params;
      fixed += buffers;
      rows.push([`${layer.name} (${layer.type})`, formatShape(['batch', ...shape]), String(params + buffers)]);
    }
    const header: [string, string, string] = ['Layer (type)', 'Output shape', 'Params'];
    const widths = [0, 1, 2].map((c) => Math.max(header[c].length, ...rows.map((r) => r[c].length)));
    const line = (r: [string, string, string]) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])}`;
    const rule = '='.repeat(widths[0] + widths[1] + widths[2] + 4);
    return [
      `Model: ${this.name} (input ${formatShape(['batch', ...inputShape])})`,
      line(header),
      rule,
      ...rows.map(line),
      rule,
      `Total params: ${trainable + fixed}`,
      `Trainable params: ${trainable}`,
      `Non-trainable params: ${fixed}`,
    ].join('\n');
  }
}

// A Sequential inside a Sequential (its weights are then named "0.1.weight", as in PyTorch).
// Its state is its layers', named "<index>.<name>" (the caller bounds how deep containers nest).
registerBuiltInLayer(
  'Sequential',
  (c, where) => Sequential.fromConfig(c, where),
  (c) =>
    Array.isArray(c.layers)
      ? c.layers.flatMap((entry, i) => declaredStateShapes(entry).map(([name, shape]): [string, number[]] => [`${i}.${name}`, shape]))
      : [],
);
