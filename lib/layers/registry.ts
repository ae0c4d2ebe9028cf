/**
 * Architecture as plain JSON. Every layer's getConfig() gives `{ type, name, ...constructor arguments }`;
 * this registry maps each `type` back to a factory, so a saved model can be rebuilt without code.
 * Every built-in layer is registered here, at the bottom of this file, and nowhere else; the one exception is
 * the container, Sequential, which builds its layers through this registry and so registers itself
 * (lib/layers/sequential.ts). Layers of your own register with `registerLayer(type, fromConfig)`.
 *
 * Configs come from files, so every factory checks its keys: an unknown, missing or mistyped key is an
 * ERR_INVALID_ARG naming the entry (`Sequential.fromConfig: layers[2] (Dense "dense_3"): …`), never a
 * silently different model.
 */
import { NeuroblasError, fail } from '../errors.js';
import {
  type Activation,
  ELU,
  GELU,
  Hardsigmoid,
  Identity,
  LeakyReLU,
  LogSoftmax,
  Mish,
  ReLU,
  ReLU6,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Softsign,
  Tanh,
} from './activation.js';
import { BatchNorm1d, BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv2d.js';
import { Dense, type DenseActivation } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { Layer, type LayerConfig } from './layer.js';
import { AvgPool2d, MaxPool2d } from './pool.js';
import { Unflatten } from './unflatten.js';
import { TargetScaling } from './target-scaling.js';
// The sequence layers.
import { Conv1d } from './conv1d.js';
import { LayerNorm } from './layernorm.js';
import { AvgPool1d, GlobalAvgPool1d, GlobalAvgPool2d, GlobalMaxPool1d, GlobalMaxPool2d, MaxPool1d } from './pool1d.js';
import { Embedding } from './embedding.js';
import { GRU, LSTM, MAX_RECURRENT_LAYERS, type RecurrentReturns } from './recurrent.js';
import { isPlainObject } from '../plain-data.js';

export type { LayerConfig } from './layer.js';

/** Builds a layer from its config; `where` prefixes messages (nested containers pass their own path on). */
export type LayerFactory = (config: LayerConfig, where: string) => Layer;

/**
 * The shapes of the state (parameters and buffers) a config declares, by state_dict name ("weight", or "0.weight" in a
 * container), computed WITHOUT building the layer: a checkpoint's architecture is compared with the tensors the file
 * holds before anything is allocated. A value the constructor would refuse (not a positive integer) declares nothing:
 * the factory then names it, before it allocates.
 */
export type StateShapes = (config: LayerConfig) => [name: string, shape: number[]][];

const factories = new Map<string, LayerFactory>();
const stateShapeFns = new Map<string, StateShapes>();

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' && v !== null ? 'an object' : JSON.stringify(v);
}

/**
 * Makes `type` buildable from a config. A second, different factory for the same type is refused. `stateShapes`, when
 * given, says which state a config declares without building it (see StateShapes); checkpoints of a type without it are
 * checked against the file once built.
 */
export function registerLayer(type: string, fromConfig: LayerFactory, stateShapes?: StateShapes): void {
  if (typeof type !== 'string' || type === '') fail('ERR_INVALID_ARG', `registerLayer: type must be a non-empty string, got ${show(type)}`);
  if (typeof fromConfig !== 'function')
    fail('ERR_INVALID_ARG', `registerLayer: fromConfig for "${type}" must be a function, got ${typeof fromConfig}`);
  const existing = factories.get(type);
  if (existing !== undefined && existing !== fromConfig)
    fail('ERR_INVALID_ARG', `registerLayer: layer type "${type}" is already registered`);
  if (stateShapes !== undefined && typeof stateShapes !== 'function')
    fail('ERR_INVALID_ARG', `registerLayer: stateShapes for "${type}" must be a function, got ${typeof stateShapes}`);
  factories.set(type, fromConfig);
  if (stateShapes !== undefined) stateShapeFns.set(type, stateShapes);
}

const builtIn = new Set<string>();

/** registerLayer for the library's own layers (here and in sequential.ts), which every thread that loads it has. */
export function registerBuiltInLayer(type: string, fromConfig: LayerFactory, stateShapes: StateShapes = () => []): void {
  registerLayer(type, fromConfig, stateShapes);
  builtIn.add(type);
}

/**
 * True for the library's own layer types. Others were registered by code on this thread, which another thread (fit's
 * worker) has not run, so it cannot build them.
 */
export function isBuiltInLayerType(type: string): boolean {
  return builtIn.has(type);
}

/** The types layerFromConfig can build, sorted. */
export function registeredLayerTypes(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Refuses keys outside `required` ∪ `optional` (and `type`, `name`, which every config may have) and
 * missing required ones. For factories: the constructors check the values, this checks the key set.
 */
export function checkConfigKeys(config: LayerConfig, required: readonly string[], optional: readonly string[] = []): void {
  const allowed = ['type', 'name', ...required, ...optional];
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) fail('ERR_INVALID_ARG', `unknown key "${key}" (a ${config.type} config has: ${allowed.join(', ')})`);
  }
  for (const key of required) {
    if (config[key] === undefined) fail('ERR_INVALID_ARG', `"${key}" is missing`);
  }
}

/** A boolean config value, or `fallback` when absent (the constructors treat any non-false value as true). */
function optionalBool(config: LayerConfig, key: string, fallback: boolean): boolean {
  const v = config[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') fail('ERR_INVALID_ARG', `"${key}" must be a boolean, got ${show(v)}`);
  return v;
}

/** A number config value, or undefined when absent (for constructors whose range checks would accept a numeric string). */
function optionalNumber(config: LayerConfig, key: string): number | undefined {
  const v = config[key];
  if (v !== undefined && typeof v !== 'number') fail('ERR_INVALID_ARG', `"${key}" must be a number, got ${show(v)}`);
  return v;
}

function layerName(config: LayerConfig): string | undefined {
  return config.name as string | undefined; // the Layer constructor checks it is a non-empty string
}

/**
 * Builds one layer. Every failure is a NeuroblasError whose message starts with `where` and the entry's
 * type and name, whatever part of the config was wrong.
 */
export function layerFromConfig(config: unknown, where = 'layerFromConfig'): Layer {
  if (!isPlainObject(config)) fail('ERR_INVALID_ARG', `${where}: a layer config must be an object with a "type", got ${show(config)}`);
  const type = config.type;
  if (typeof type !== 'string') fail('ERR_INVALID_ARG', `${where}: "type" must be a string, got ${show(type)}`);
  const factory = factories.get(type);
  if (factory === undefined)
    fail('ERR_INVALID_ARG', `${where}: unknown layer type "${type}" (known: ${registeredLayerTypes().join(', ')})`);
  const entry = `${where} (${type}${typeof config.name === 'string' ? ` "${config.name}"` : ''})`;
  try {
    const layer = factory(config as LayerConfig, entry);
    if (!(layer instanceof Layer)) fail('ERR_INVALID_ARG', `the factory registered for "${type}" returned ${show(layer)}, not a Layer`);
    return layer;
  } catch (e) {
    // Nested containers already prefixed their entries' messages with a path that starts with ours.
    if (e instanceof NeuroblasError && !e.message.startsWith(where))
      throw new NeuroblasError(e.code, `${entry}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The state shapes `config` declares (StateShapes), without building anything; an entry that is not a config, or whose
 * type has no StateShapes, declares nothing here (building it then says what is wrong).
 */
export function declaredStateShapes(config: unknown): [string, number[]][] {
  if (!isPlainObject(config) || typeof config.type !== 'string') return [];
  const fn = stateShapeFns.get(config.type);
  return fn === undefined ? [] : fn(config as LayerConfig);
}

/** The value when it is an integer >= 1, which the constructors accept as a size; else undefined. */
function size(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined;
}

// The built-in layers.

registerBuiltInLayer(
  'Dense',
  (c) => {
    checkConfigKeys(c, ['in', 'out'], ['activation', 'alpha', 'useBias']);
    return new Dense(c.in as number, c.out as number, {
      activation: c.activation as DenseActivation | undefined,
      alpha: c.alpha as number | undefined,
      useBias: optionalBool(c, 'useBias', true),
      name: layerName(c),
    });
  },
  denseShapes,
);

function denseShapes(c: LayerConfig): [string, number[]][] {
  const [inF, outF] = [size(c.in), size(c.out)];
  if (inF === undefined || outF === undefined) return [];
  return [['weight', [inF, outF]], ...(c.useBias === false ? [] : [['bias', [outF]] as [string, number[]]])];
}

const plainActivations: [string, new (options?: { name?: string }) => Activation][] = [
  ['ReLU', ReLU],
  ['Sigmoid', Sigmoid],
  ['Tanh', Tanh],
  ['Softplus', Softplus],
  ['Softmax', Softmax],
  ['Identity', Identity],
  ['LogSoftmax', LogSoftmax],
  ['SiLU', SiLU],
  ['SELU', SELU],
  ['Mish', Mish],
  ['Softsign', Softsign],
  ['Hardsigmoid', Hardsigmoid],
  ['ReLU6', ReLU6],
  // Deprecated: the name Identity had before 0.2 (files saved then say "Linear"); getConfig() now writes "Identity".
  ['Linear', Identity],
];
for (const [type, Cls] of plainActivations) {
  registerBuiltInLayer(type, (c) => {
    checkConfigKeys(c, []);
    return new Cls({ name: layerName(c) });
  });
}
registerBuiltInLayer('LeakyReLU', (c) => {
  checkConfigKeys(c, [], ['alpha']);
  return new LeakyReLU(c.alpha as number | undefined, { name: layerName(c) });
});
registerBuiltInLayer('GELU', (c) => {
  checkConfigKeys(c, [], ['approximate']);
  return new GELU({ approximate: c.approximate as 'none' | 'tanh' | undefined, name: layerName(c) });
});
registerBuiltInLayer('ELU', (c) => {
  checkConfigKeys(c, [], ['alpha']);
  return new ELU(c.alpha as number | undefined, { name: layerName(c) });
});

registerBuiltInLayer('Dropout', (c) => {
  checkConfigKeys(c, [], ['rate']);
  return new Dropout(c.rate as number | undefined, { name: layerName(c) });
});

for (const [type, Cls] of [
  ['BatchNorm1d', BatchNorm1d],
  ['BatchNorm2d', BatchNorm2d],
] as const) {
  registerBuiltInLayer(
    type,
    (c) => {
      checkConfigKeys(c, ['numFeatures'], ['eps', 'momentum', 'affine']);
      return new Cls(c.numFeatures as number, {
        eps: optionalNumber(c, 'eps'),
        momentum: optionalNumber(c, 'momentum'),
        affine: optionalBool(c, 'affine', true),
        name: layerName(c),
      });
    },
    batchNormShapes,
  );
}

/** Without affine, gamma and beta are constant arrays of numFeatures, not state: the running statistics bound them. */
function batchNormShapes(c: LayerConfig): [string, number[]][] {
  const n = size(c.numFeatures);
  if (n === undefined) return [];
  const names = c.affine === false ? ['running_mean', 'running_var'] : ['weight', 'bias', 'running_mean', 'running_var'];
  return names.map((name) => [name, [n]]);
}

registerBuiltInLayer('Flatten', (c) => {
  checkConfigKeys(c, []);
  return new Flatten({ name: layerName(c) });
});

registerBuiltInLayer(
  'TargetScaling',
  (c) => {
    checkConfigKeys(c, ['units']);
    return new TargetScaling(c.units as number, { name: layerName(c) });
  },
  (c) => {
    const n = size(c.units);
    return n === undefined
      ? []
      : [
          ['mean', [n]],
          ['std', [n]],
        ];
  },
);

registerBuiltInLayer('Unflatten', (c) => {
  checkConfigKeys(c, ['shape']);
  return new Unflatten(c.shape as number[], { name: layerName(c) });
});

registerBuiltInLayer(
  'Conv2d',
  (c) => {
    checkConfigKeys(c, ['inChannels', 'outChannels', 'kernelSize'], ['stride', 'padding', 'dilation', 'bias']);
    const k = c.kernelSize;
    if (!(typeof k === 'number' || (Array.isArray(k) && k.length === 2)))
      fail('ERR_INVALID_ARG', `"kernelSize" must be a number or a pair, got ${JSON.stringify(k)}`);
    return new Conv2d(c.inChannels as number, c.outChannels as number, k as number | [number, number], {
      stride: c.stride as number | undefined,
      padding: c.padding as number | undefined,
      dilation: c.dilation as number | undefined,
      bias: optionalBool(c, 'bias', true),
      name: layerName(c),
    });
  },
  conv2dShapes,
);

function conv2dShapes(c: LayerConfig): [string, number[]][] {
  const k = c.kernelSize;
  const [kh, kw] = (Array.isArray(k) ? k : [k, k]).map(size);
  const [inC, outC] = [size(c.inChannels), size(c.outChannels)];
  if (inC === undefined || outC === undefined || kh === undefined || kw === undefined) return [];
  return [['weight', [outC, inC, kh, kw]], ...(c.bias === false ? [] : [['bias', [outC]] as [string, number[]]])];
}

for (const [type, Cls] of [
  ['MaxPool2d', MaxPool2d],
  ['AvgPool2d', AvgPool2d],
] as const) {
  registerBuiltInLayer(type, (c) => {
    checkConfigKeys(c, ['kernelSize'], ['stride', 'padding']);
    return new Cls(c.kernelSize as number, {
      stride: c.stride as number | undefined,
      padding: c.padding as number | undefined,
      name: layerName(c),
    });
  });
}

// The sequence layers: Conv1d, 1-D and global pooling, LayerNorm.

registerBuiltInLayer(
  'Conv1d',
  (c) => {
    checkConfigKeys(c, ['inChannels', 'outChannels', 'kernelSize'], ['stride', 'padding', 'dilation', 'bias']);
    return new Conv1d(c.inChannels as number, c.outChannels as number, c.kernelSize as number, {
      stride: c.stride as number | undefined,
      padding: c.padding as number | undefined,
      dilation: c.dilation as number | undefined,
      bias: optionalBool(c, 'bias', true),
      name: layerName(c),
    });
  },
  conv1dShapes,
);

function conv1dShapes(c: LayerConfig): [string, number[]][] {
  const [inC, outC, k] = [size(c.inChannels), size(c.outChannels), size(c.kernelSize)];
  if (inC === undefined || outC === undefined || k === undefined) return [];
  return [['weight', [outC, inC, k]], ...(c.bias === false ? [] : [['bias', [outC]] as [string, number[]]])];
}

for (const [type, Cls] of [
  ['MaxPool1d', MaxPool1d],
  ['AvgPool1d', AvgPool1d],
] as const) {
  registerBuiltInLayer(type, (c) => {
    checkConfigKeys(c, ['kernelSize'], ['stride', 'padding']);
    return new Cls(c.kernelSize as number, {
      stride: c.stride as number | undefined,
      padding: c.padding as number | undefined,
      name: layerName(c),
    });
  });
}

for (const [type, Cls] of [
  ['GlobalAvgPool1d', GlobalAvgPool1d],
  ['GlobalMaxPool1d', GlobalMaxPool1d],
  ['GlobalAvgPool2d', GlobalAvgPool2d],
  ['GlobalMaxPool2d', GlobalMaxPool2d],
] as const) {
  registerBuiltInLayer(type, (c) => {
    checkConfigKeys(c, []);
    return new Cls({ name: layerName(c) });
  });
}

registerBuiltInLayer(
  'LayerNorm',
  (c) => {
    checkConfigKeys(c, ['normalizedShape'], ['eps', 'elementwiseAffine']);
    return new LayerNorm(c.normalizedShape as number, {
      eps: optionalNumber(c, 'eps'),
      elementwiseAffine: optionalBool(c, 'elementwiseAffine', true),
      name: layerName(c),
    });
  },
  layerNormShapes,
);

function layerNormShapes(c: LayerConfig): [string, number[]][] {
  const n = size(c.normalizedShape);
  if (n === undefined || c.elementwiseAffine === false) return [];
  return [
    ['weight', [n]],
    ['bias', [n]],
  ];
}

// Sequence layers: Embedding, LSTM, GRU (lib/layers/embedding.ts, lib/layers/recurrent.ts).
registerBuiltInLayer(
  'Embedding',
  (c) => {
    checkConfigKeys(c, ['numEmbeddings', 'dim'], ['paddingIdx']);
    const pad = c.paddingIdx;
    if (pad !== undefined && pad !== null && typeof pad !== 'number')
      fail('ERR_INVALID_ARG', `"paddingIdx" must be a number or null, got ${show(pad)}`);
    return new Embedding(c.numEmbeddings as number, c.dim as number, { paddingIdx: pad as number | null | undefined, name: layerName(c) });
  },
  (c) => {
    const [n, d] = [size(c.numEmbeddings), size(c.dim)];
    return n === undefined || d === undefined ? [] : [['weight', [n, d]]];
  },
);

for (const [type, Cls, gates] of [
  ['LSTM', LSTM, 4],
  ['GRU', GRU, 3],
] as const) {
  registerBuiltInLayer(
    type,
    (c) => {
      checkConfigKeys(c, ['inputSize', 'hiddenSize'], ['numLayers', 'bidirectional', 'dropout', 'returns']);
      return new Cls(c.inputSize as number, c.hiddenSize as number, {
        numLayers: optionalNumber(c, 'numLayers'),
        bidirectional: optionalBool(c, 'bidirectional', false),
        dropout: optionalNumber(c, 'dropout'),
        returns: c.returns as RecurrentReturns | undefined,
        name: layerName(c),
      });
    },
    (c) => recurrentShapes(c, gates),
  );
}

/** PyTorch's names: per layer l and direction (suffix `_reverse` for the second), weight_ih, weight_hh, bias_ih, bias_hh. */
function recurrentShapes(c: LayerConfig, gates: number): [string, number[]][] {
  const [I, H] = [size(c.inputSize), size(c.hiddenSize)];
  const L = c.numLayers === undefined ? 1 : size(c.numLayers);
  if (
    I === undefined ||
    H === undefined ||
    L === undefined ||
    L > MAX_RECURRENT_LAYERS ||
    (c.bidirectional !== undefined && typeof c.bidirectional !== 'boolean')
  )
    return [];
  const D = c.bidirectional === true ? 2 : 1;
  const out: [string, number[]][] = [];
  for (let l = 0; l < L; l++) {
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
      out.push(
        [`weight_ih${s}`, [gates * H, l === 0 ? I : D * H]],
        [`weight_hh${s}`, [gates * H, H]],
        [`bias_ih${s}`, [gates * H]],
        [`bias_hh${s}`, [gates * H]],
      );
    }
  }
  return out;
}
