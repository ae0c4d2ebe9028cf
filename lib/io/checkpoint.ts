/**
 * Checkpoints: a model's weights, its architecture, and optionally the optimizer state, epoch, metrics and
 * history, in one safetensors file, so training resumes exactly where it stopped and PyTorch can read the
 * weights.
 *
 * What is in the file:
 * - tensors "0.weight", "0.bias", "2.running_mean"…: the model's namedWeights(), under PyTorch's state_dict
 *   names. Layouts are neuroblas's own: a Dense weight is stored [in, out] (y = x·W + b), while
 *   torch.nn.Linear keeps [out, in]; a PyTorch reader transposes every name that `weight_layout` marks
 *   "in_out" (test/interop/torch_check.py does). Batch-norm weights and buffers have the same layout in both.
 * - tensors "optimizer.<i>.<buffer>": the optimizer's state buffers (lib/io/optimizer-io.ts).
 * - tensors "callbacks.<i>.<path>": the arrays in callback states (EarlyStopping's weights; lib/io/callback-io.ts).
 * - `__metadata__` (strings only, as the format requires): format, format_version, library_version,
 *   architecture (Sequential.toConfig() JSON), weight_layout, epoch, metrics, history, optimizer (JSON of
 *   its type, hyper-parameters, step counts and parameter names), random (the generator's state, so
 *   shuffles and dropout masks continue the same stream), callbacks (when saved: the schedules' and early
 *   stopping's states, so they continue too), checksum_sha256 (lib/io/checksum.ts, over all of the above).
 *
 * Saving is atomic (lib/io/atomic-write.ts). Loading checks the format, the checksum, the architecture and
 * every tensor before it changes anything; every problem with the file is an ERR_IO naming it.
 *
 * Sequential knows nothing of files: this module attaches `model.save(path)` and `Sequential.load(path)` to it.
 */
import fs from 'node:fs';
import type { Backend } from '../backend/contract.js';
import { checkKnownKeys, nonNegativeInteger } from '../check.js';
import { NeuroblasError, fail } from '../errors.js';
import { Dense } from '../layers/dense.js';
import type { LayerConfig } from '../layers/layer.js';
import { Sequential } from '../layers/sequential.js';
import { currentBackend } from '../ops/current-backend.js';
import type { Optimizer } from '../optim/optimizer.js';
import { defaultRandom, type Random, type RandomState } from '../random.js';
import type { EpochLogs } from '../train/callbacks.js';
import { firstArchitectureDifference } from './architecture-diff.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  CALLBACK_TENSOR_PREFIX,
  CALLBACKS_KEY,
  callbacksToCheckpoint,
  callbackStatesFromCheckpoint,
  restoreCallbackStates,
  type CallbackState,
  type StatefulCallback,
} from './callback-io.js';
import { CHECKSUM_KEY, checkpointChecksum } from './checksum.js';
import { OPTIMIZER_TENSOR_PREFIX, optimizerFromCheckpoint, optimizerToCheckpoint } from './optimizer-io.js';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from './safetensors.js';
import { libraryVersion } from './version.js';

export const CHECKPOINT_FORMAT = 'neuroblas.checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

export interface SaveOptions {
  /** Saved with its state buffers, so loadModel gives it back ready to continue. */
  optimizer?: Optimizer;
  /** Epochs completed so far (default 0). */
  epoch?: number;
  metrics?: Record<string, number>;
  history?: EpochLogs[];
  /** The generator whose state is saved (default: the library's, which fit and Dropout draw from). */
  random?: Random;
  /**
   * Schedules and EarlyStopping whose state is saved (epoch counts, best values, patience counts, best weights),
   * so that after loadModel, `checkpoint.restoreCallbacks([...])` into new ones continues the run.
   */
  callbacks?: readonly StatefulCallback[];
  /** Called after the temporary file is written, before it replaces `path` (tests simulate a crash with it). */
  beforeRename?: (tempPath: string) => void;
}

export interface LoadOptions {
  /** Load into this model instead of building one; its architecture must match the file's (names aside). */
  expect?: Sequential;
  /** The backend for the rebuilt optimizer (default: the graph's current backend). */
  backend?: Backend;
  /** Set the generator back to its saved state, so a resumed fit shuffles as the uninterrupted one would (default true). */
  restoreRandom?: boolean;
  /** The generator to restore (default: the library's). */
  random?: Random;
}

export interface Checkpoint {
  model: Sequential;
  /** The saved optimizer over `model`'s parameters, with its state; null when none was saved. */
  optimizer: Optimizer | null;
  epoch: number;
  metrics: Record<string, number>;
  history: EpochLogs[];
  /** The saved generator state (also applied, unless restoreRandom is false). */
  randomState: RandomState;
  /** The saved callbacks' states, in the order saved (empty when none were saved). */
  callbackStates: CallbackState[];
  /**
   * Restores the saved callback states into `callbacks`: new ones made with the settings they were saved with,
   * in the same order (a schedule over this checkpoint's optimizer). All or nothing; a count or type mismatch,
   * or a state a callback refuses, is an ERR_INVALID_ARG naming the file and the callback.
   */
  restoreCallbacks(callbacks: readonly StatefulCallback[]): void;
  /** The neuroblas version that wrote the file. */
  libraryVersion: string;
}

/** Every parameter's and buffer's shape by state_dict name (buffers are 1-D). */
function weightShapes(model: Sequential): Map<string, number[]> {
  const shapes = new Map<string, number[]>(model.namedParameters().map(([name, t]) => [name, [...t.shape]]));
  for (const [name, data] of model.namedWeights()) if (!shapes.has(name)) shapes.set(name, [data.length]);
  return shapes;
}

/** The Dense weights, whose [in, out] layout a PyTorch reader must transpose (nested Sequentials included). */
function denseWeightNames(model: Sequential, prefix = ''): string[] {
  return model.layers.flatMap((layer, i) =>
    layer instanceof Dense ? [`${prefix}${i}.weight`] : layer instanceof Sequential ? denseWeightNames(layer, `${prefix}${i}.`) : [],
  );
}

function checkSaveOptions(o: SaveOptions): void {
  if (typeof o !== 'object' || o === null) fail('ERR_INVALID_ARG', 'saveModel: options must be an object');
  checkKnownKeys('saveModel', o, ['optimizer', 'epoch', 'metrics', 'history', 'random', 'callbacks', 'beforeRename']);
  if (o.epoch !== undefined) nonNegativeInteger('saveModel', 'epoch', o.epoch);
  if (o.metrics !== undefined) {
    if (typeof o.metrics !== 'object' || o.metrics === null || Array.isArray(o.metrics))
      fail('ERR_INVALID_ARG', 'saveModel: metrics must be an object of numbers');
    for (const [k, v] of Object.entries(o.metrics)) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail('ERR_INVALID_ARG', `saveModel: metrics.${k} must be a finite number, got ${String(v)}`);
    }
  }
  if (o.history !== undefined && !Array.isArray(o.history))
    fail('ERR_INVALID_ARG', 'saveModel: history must be an array of epoch logs (what fit returns)');
}

/**
 * Writes `model` (and what `options` adds) to `path` atomically: after a failure, or a crash mid-save, the
 * previous file at `path` is intact.
 */
export function saveModel(path: string, model: Sequential, options: SaveOptions = {}): void {
  if (typeof path !== 'string' || path === '') fail('ERR_INVALID_ARG', `saveModel: path must be a non-empty string, got ${String(path)}`);
  if (!(model instanceof Sequential)) fail('ERR_INVALID_ARG', 'saveModel: model must be a Sequential');
  checkSaveOptions(options);
  const architecture = model.toConfig(); // throws naming a layer that cannot be saved

  const shapes = weightShapes(model);
  const tensors: Record<string, F32Tensor> = {};
  for (const [name, data] of model.namedWeights()) {
    // A NaN weight would make a file that loadModel refuses; say so now, while the old file is still there.
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]))
        fail('ERR_BAD_DATA', `saveModel: ${model.name} weight ${name} holds ${data[i]} at index ${i}; not saving (training diverged?)`);
    }
    tensors[name] = { dtype: 'F32', shape: shapes.get(name)!, data };
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    format_version: String(CHECKPOINT_FORMAT_VERSION),
    library_version: libraryVersion(),
    architecture: JSON.stringify(architecture),
    weight_layout: JSON.stringify(Object.fromEntries(denseWeightNames(model).map((n) => [n, 'in_out']))),
    epoch: String(options.epoch ?? 0),
    metrics: JSON.stringify(options.metrics ?? {}),
    history: JSON.stringify(options.history ?? []),
    random: JSON.stringify((options.random ?? defaultRandom).getState()),
  };
  if (options.optimizer !== undefined) {
    const saved = optimizerToCheckpoint(options.optimizer, model, 'saveModel');
    Object.assign(tensors, saved.tensors);
    metadata.optimizer = JSON.stringify(saved.record);
  }
  if (options.callbacks !== undefined) {
    const saved = callbacksToCheckpoint(options.callbacks, 'saveModel');
    Object.assign(tensors, saved.tensors);
    metadata[CALLBACKS_KEY] = JSON.stringify(saved.records);
  }
  metadata[CHECKSUM_KEY] = checkpointChecksum(tensors, metadata);
  writeFileAtomic(path, encodeSafetensors(tensors, metadata), 'saveModel', { beforeRename: options.beforeRename });
}

/** A JSON-valued metadata entry, parsed; ERR_IO naming the file and the key when absent or malformed. */
function jsonField(metadata: Record<string, string>, key: string, file: string): unknown {
  const raw = metadata[key];
  if (raw === undefined) fail('ERR_IO', `${file}: the metadata has no "${key}" entry: corrupted or not a complete neuroblas checkpoint`);
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: metadata "${key}" is not valid JSON (${(e as Error).message}): corrupted`, { cause: e });
  }
}

function checkRandomState(v: unknown, file: string): RandomState {
  const s = (v as RandomState | null)?.s;
  const spare = (v as RandomState | null)?.spare;
  const words =
    Array.isArray(s) && s.length === 4 && s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) && s.some((w) => w !== 0);
  if (!words || !(spare === null || (typeof spare === 'number' && Number.isFinite(spare))))
    fail('ERR_IO', `${file}: metadata "random" is not a generator state ({ s: four 32-bit words, not all 0, spare: number | null })`);
  return { s: [...s] as RandomState['s'], spare };
}

/** Layer types renamed since files were first written: the old name in a file reads as the new one. */
const RENAMED_TYPES: Record<string, string> = { Linear: 'Identity' };

/** The architecture with today's type names (recursively: a Sequential's layers), so that old files compare and build. */
function currentNames(config: unknown): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const c = config as Record<string, unknown>;
  const type = typeof c.type === 'string' && Object.hasOwn(RENAMED_TYPES, c.type) ? RENAMED_TYPES[c.type] : c.type;
  return { ...c, type, ...(Array.isArray(c.layers) ? { layers: c.layers.map(currentNames) } : {}) };
}

/** The model the file describes: `expect` when its architecture matches, else a new one built from the file. */
function modelFor(saved: unknown, expect: Sequential | undefined, file: string): Sequential {
  const architecture = currentNames(saved);
  if (expect !== undefined) {
    if (!(expect instanceof Sequential)) fail('ERR_INVALID_ARG', 'loadModel: options.expect must be a Sequential');
    if (typeof architecture !== 'object' || architecture === null)
      fail('ERR_IO', `${file}: metadata "architecture" is not a model description`);
    const difference = firstArchitectureDifference(architecture as LayerConfig, expect.toConfig());
    if (difference !== null) fail('ERR_SHAPE', `${file}: the saved architecture does not match ${expect.name}: ${difference}`);
    return expect;
  }
  try {
    return Sequential.fromConfig(architecture, 'architecture');
  } catch (e) {
    if (!(e instanceof NeuroblasError)) throw e;
    throw new NeuroblasError('ERR_IO', `${file}: the saved architecture cannot be built: ${e.message}`, { cause: e });
  }
}

/** Checks every weight tensor against the model (presence, shape, finiteness) and returns them in namedWeights() order. */
function weightsFor(model: Sequential, tensors: Record<string, F32Tensor>, file: string): Float32Array[] {
  const shapes = weightShapes(model);
  const names = model.namedWeights().map(([name]) => name);
  for (const name of Object.keys(tensors)) {
    if (!shapes.has(name) && !name.startsWith(OPTIMIZER_TENSOR_PREFIX) && !name.startsWith(CALLBACK_TENSOR_PREFIX))
      fail('ERR_IO', `${file}: tensor "${name}" is not a weight of the model (${names.join(', ')})`);
  }
  return names.map((name) => {
    const t = tensors[name];
    if (t === undefined) fail('ERR_IO', `${file}: weight "${name}" is missing`);
    const shape = shapes.get(name)!;
    if (t.shape.join() !== shape.join())
      fail('ERR_IO', `${file}: weight "${name}" has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail('ERR_IO', `${file}: weight "${name}" holds ${t.data[bad]} at index ${bad}: corrupted`);
    return t.data;
  });
}

/**
 * Reads a checkpoint: the model (built from the file, or `expect` with the file's weights), the optimizer
 * with its state, epoch, metrics and history. Nothing changes (not `expect`, not the generator) unless the
 * whole file is valid.
 */
export function loadModel(path: string, options: LoadOptions = {}): Checkpoint {
  if (typeof path !== 'string' || path === '') fail('ERR_INVALID_ARG', `loadModel: path must be a non-empty string, got ${String(path)}`);
  if (typeof options !== 'object' || options === null) fail('ERR_INVALID_ARG', 'loadModel: options must be an object');
  const known = ['expect', 'backend', 'restoreRandom', 'random'];
  for (const key of Object.keys(options))
    if (!known.includes(key)) fail('ERR_INVALID_ARG', `loadModel: unknown option "${key}" (known: ${known.join(', ')})`);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new NeuroblasError(
      'ERR_IO',
      `${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    fail(
      'ERR_IO',
      `${path}: a safetensors file, but not a neuroblas checkpoint ` +
        `(metadata "format" is ${JSON.stringify(metadata.format)}, expected "${CHECKPOINT_FORMAT}")`,
    );
  }
  const version = Number(metadata.format_version);
  if (!Number.isInteger(version) || version < 1)
    fail('ERR_IO', `${path}: format_version ${JSON.stringify(metadata.format_version)} is not a version number: corrupted`);
  if (version > CHECKPOINT_FORMAT_VERSION)
    fail(
      'ERR_IO',
      `${path}: written by a newer neuroblas (${metadata.library_version}, format ${version}); ` +
        `this one (${libraryVersion()}) reads format ${CHECKPOINT_FORMAT_VERSION}`,
    );
  if (metadata[CHECKSUM_KEY] !== checkpointChecksum(tensors, metadata))
    fail('ERR_IO', `${path}: the content does not match its checksum (${CHECKSUM_KEY}): corrupted`);

  const random = options.random ?? defaultRandom;
  const randomState = checkRandomState(jsonField(metadata, 'random', path), path);
  const epoch = Number(metadata.epoch);
  if (!Number.isInteger(epoch) || epoch < 0)
    fail('ERR_IO', `${path}: metadata "epoch" is ${JSON.stringify(metadata.epoch)}, not an epoch count`);
  const metrics = jsonField(metadata, 'metrics', path);
  if (
    typeof metrics !== 'object' ||
    metrics === null ||
    Array.isArray(metrics) ||
    !Object.values(metrics).every((v) => typeof v === 'number')
  ) {
    fail('ERR_IO', `${path}: metadata "metrics" is not an object of numbers`);
  }
  const history = jsonField(metadata, 'history', path);
  if (!Array.isArray(history)) fail('ERR_IO', `${path}: metadata "history" is not an array`);

  // Building layers draws initial weights from the generator; those draws must not shift the caller's stream.
  const before = random.getState();
  const model = modelFor(jsonField(metadata, 'architecture', path), options.expect, path);
  random.setState(before);
  const weights = weightsFor(model, tensors, path);

  let optimizer: Optimizer | null = null;
  if (metadata.optimizer !== undefined) {
    const buffers = Object.fromEntries(
      Object.entries(tensors)
        .filter(([name]) => name.startsWith(OPTIMIZER_TENSOR_PREFIX))
        .map(([name, t]) => [name.slice(OPTIMIZER_TENSOR_PREFIX.length), t.data]),
    );
    optimizer = optimizerFromCheckpoint(jsonField(metadata, 'optimizer', path), buffers, model, options.backend ?? currentBackend(), path);
  } else if (Object.keys(tensors).some((name) => name.startsWith(OPTIMIZER_TENSOR_PREFIX))) {
    fail('ERR_IO', `${path}: optimizer tensors without "optimizer" metadata: corrupted`);
  }

  // Files from before callback states were saved have no entry: they load with none.
  const callbackRecords = metadata[CALLBACKS_KEY] === undefined ? undefined : jsonField(metadata, CALLBACKS_KEY, path);
  const callbackStates = callbackStatesFromCheckpoint(callbackRecords, tensors, path);

  // Everything is valid: only now does anything outside this call change.
  model.setWeights(weights);
  if (options.restoreRandom !== false) random.setState(randomState);
  return {
    model,
    optimizer,
    epoch,
    metrics: metrics as Record<string, number>,
    history: history as EpochLogs[],
    randomState,
    callbackStates,
    restoreCallbacks: (callbacks) => restoreCallbackStates(callbackStates, callbacks, path),
    libraryVersion: metadata.library_version ?? 'unknown',
  };
}

declare module '../layers/sequential.js' {
  interface Sequential {
    /** Saves weights, architecture and (when given) optimizer state atomically: see lib/io/checkpoint.ts. */
    save(path: string, options?: SaveOptions): void;
  }
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Sequential {
    /**
     * The model saved at `path`, with its weights; for the optimizer, epoch and metrics too (and to resume
     * the random stream), use loadModel. This does not touch the library's random generator.
     */
    function load(path: string): Sequential;
  }
}

Sequential.prototype.save = function save(this: Sequential, path: string, options: SaveOptions = {}): void {
  saveModel(path, this, options);
};
Sequential.load = (path: string): Sequential => loadModel(path, { restoreRandom: false }).model;
