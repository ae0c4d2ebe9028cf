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
 *   stopping's states, so they continue too), input_range (when saved: the training features' min and max),
 *   classes (when saved: the class names), tokenizer (when saved: a text model's vocabulary, lib/data/tokenizer.ts),
 *   series_scaling (when saved: a forecaster's window, horizon and scaling, lib/data/windows.ts), checksum_sha256
 *   (lib/io/checksum.ts, over all of the above).
 *
 * Saving is atomic (lib/io/atomic-write.ts). Loading checks the format, the checksum, the architecture and
 * every tensor before it changes anything; every problem with the file is an ERR_IO naming it. The checksum catches
 * damage, not intent (anyone can recompute it), so a file is never trusted for its size: only regular files are read,
 * containers nest at most MAX_NESTING deep, and every parameter and buffer the architecture declares is compared with
 * the tensors the file holds BEFORE any layer is built, so a tiny file cannot make loadModel allocate gigabytes.
 *
 * Sequential knows nothing of files: this module attaches `model.save(path)` and `Sequential.load(path)` to it.
 */
import fs from 'node:fs';
import type { Backend } from '../backend/contract.js';
import { checkKnownKeys, nonNegativeInteger } from '../check.js';
import { describeFsError, NeuroblasError, fail } from '../errors.js';
import { checkInputRangeValue, type InputRange } from '../data/input-range.js';
import { Tokenizer } from '../data/tokenizer.js';
import { checkSeriesScaling, type SeriesScaling } from '../data/windows.js';
import { checkTextAndSeries, savedSeriesScaling, savedTokenizer } from './data-metadata.js';
import { Dense } from '../layers/dense.js';
import type { LayerConfig } from '../layers/layer.js';
import { declaredStateShapes } from '../layers/registry.js';
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
import { nonFiniteIndex } from './non-finite.js';
import { decodeSafetensors, encodeSafetensors, type F32Tensor } from './safetensors.js';
import { libraryVersion } from './version.js';

export const CHECKPOINT_FORMAT = 'neuroblas.checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;
/** How deep Sequentials may nest in a file's architecture (real models nest a few levels; a crafted file, 20,000). */
export const MAX_NESTING = 64;

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
  /**
   * The range of the training features, per feature or one for all (`inputRangeOf(trainX, features)`), so that data on
   * another scale is caught later (`checkInputRange(checkpoint.inputRange, x, where)`).
   */
  inputRange?: InputRange;
  /** The class names, by class index (a CSV's text labels): `checkpoint.classes`. */
  classes?: readonly string[];
  /** A text model's tokenizer, so the loaded model takes raw strings (`checkpoint.tokenizer`). */
  tokenizer?: Tokenizer;
  /** A forecaster's window, horizon and scaling, so predictions come back in the series' units (`checkpoint.seriesScaling`). */
  seriesScaling?: SeriesScaling;
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
  /** The backend ('native' or 'js') of the process that saved the file; null for files before 0.2. */
  backend: string | null;
  /** The training features' range saved with `inputRange`; null when none was (files before 0.2 included). */
  inputRange: InputRange | null;
  /**
   * The class names saved with `classes`; null when none were. Files whose class names ride in `metrics` as
   * "class <i>: <name>" entries (the CLI's, before 0.2) give them here too.
   */
  classes: string[] | null;
  /** The tokenizer saved with `tokenizer`; null when none was. */
  tokenizer: Tokenizer | null;
  /** The forecaster's scaling saved with `seriesScaling`; null when none was. */
  seriesScaling: SeriesScaling | null;
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
  checkKnownKeys('saveModel', o, [
    'optimizer',
    'epoch',
    'metrics',
    'history',
    'random',
    'callbacks',
    'inputRange',
    'classes',
    'beforeRename',
    'tokenizer',
    'seriesScaling',
  ]);
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
  if (o.classes !== undefined) {
    const c = o.classes;
    if (!Array.isArray(c) || c.length === 0 || !c.every((n) => typeof n === 'string' && n !== ''))
      fail('ERR_INVALID_ARG', 'saveModel: classes must be an array of non-empty strings, the class names by index');
    const twice = c.find((n, i) => c.indexOf(n) !== i);
    if (twice !== undefined)
      fail('ERR_INVALID_ARG', `saveModel: classes names ${JSON.stringify(twice)} twice; each class needs its own name`);
  }
  if (o.tokenizer !== undefined && !(o.tokenizer instanceof Tokenizer))
    fail('ERR_INVALID_ARG', 'saveModel: tokenizer must be a Tokenizer (Tokenizer.fit or Tokenizer.fromJSON)');
  if (o.seriesScaling !== undefined) checkSeriesScaling('saveModel: seriesScaling', o.seriesScaling);
}

/** What the model's first layer says about its input and output (when it starts with a Dense: inputs per row, outputs). */
function denseSizes(model: Sequential): { features: number; outputs: number } | null {
  const first = model.layers[0];
  if (!(first instanceof Dense)) return null;
  const out = model.outputShape([first.inFeatures]);
  return { features: first.inFeatures, outputs: out[out.length - 1] };
}

/** inputRange and classes against the model, when its first layer says how many features and outputs it has. */
function checkRangeAndClasses(model: Sequential, o: SaveOptions): void {
  const range = o.inputRange === undefined ? undefined : checkInputRangeValue('saveModel', o.inputRange);
  if (range === undefined && o.classes === undefined) return;
  const sizes = denseSizes(model);
  if (sizes === null) return;
  if (range !== undefined && range.min.length !== 1 && range.min.length !== sizes.features)
    fail(
      'ERR_INVALID_ARG',
      `saveModel: inputRange has ${range.min.length} features, ${model.name} takes ${sizes.features} (or give one for all)`,
    );
  if (o.classes !== undefined && o.classes.length !== sizes.outputs)
    fail('ERR_INVALID_ARG', `saveModel: classes names ${o.classes.length} classes, ${model.name} has ${sizes.outputs} outputs`);
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
  checkRangeAndClasses(model, options);
  checkTextAndSeries(model, options.tokenizer, options.seriesScaling, 'saveModel', 'ERR_INVALID_ARG');

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
    // The backend of the process that saved the file: where the model was trained, for a file a training run saved.
    backend: currentBackend().name,
  };
  if (options.optimizer !== undefined) {
    const saved = optimizerToCheckpoint(options.optimizer, model, 'saveModel');
    Object.assign(tensors, saved.tensors);
    metadata.optimizer = JSON.stringify(saved.record);
  }
  if (options.inputRange !== undefined) metadata.input_range = JSON.stringify(checkInputRangeValue('saveModel', options.inputRange));
  if (options.classes !== undefined) metadata.classes = JSON.stringify(options.classes);
  if (options.tokenizer !== undefined) metadata.tokenizer = JSON.stringify(options.tokenizer.toJSON());
  if (options.seriesScaling !== undefined) metadata.series_scaling = JSON.stringify(options.seriesScaling);
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

/**
 * The architecture with today's type names (recursively: a Sequential's layers), so that old files compare and build.
 * Containers may nest MAX_NESTING deep: deeper is a crafted file (and would overflow the stack), an ERR_IO.
 */
function currentNames(config: unknown, file: string, depth = 1): unknown {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return config;
  const c = config as Record<string, unknown>;
  const type = typeof c.type === 'string' && Object.hasOwn(RENAMED_TYPES, c.type) ? RENAMED_TYPES[c.type] : c.type;
  if (!Array.isArray(c.layers)) return { ...c, type };
  if (depth > MAX_NESTING)
    fail('ERR_IO', `${file}: the saved architecture has Sequentials nested ${depth} deep; at most ${MAX_NESTING}: corrupted or crafted`);
  return { ...c, type, layers: c.layers.map((layer) => currentNames(layer, file, depth + 1)) };
}

/**
 * Every parameter and buffer the architecture declares must be in the file with the same shape, checked from the
 * configs alone, before any layer is built: the file's tensors tile its bytes, so what building then allocates is
 * bounded by what the file holds. (Layers of your own registered without StateShapes are checked once built.)
 */
function checkDeclaredState(architecture: unknown, tensors: Record<string, F32Tensor>, file: string): void {
  for (const [name, shape] of declaredStateShapes(architecture)) {
    const t = Object.hasOwn(tensors, name) ? tensors[name] : undefined;
    if (t === undefined) fail('ERR_IO', `${file}: weight "${name}" is missing (the architecture declares [${shape.join(', ')}])`);
    if (t.shape.join() !== shape.join())
      fail('ERR_IO', `${file}: weight "${name}" has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
  }
}

/** The model the file describes: `expect` when its architecture matches, else a new one built from the file. */
function modelFor(saved: unknown, expect: Sequential | undefined, tensors: Record<string, F32Tensor>, file: string): Sequential {
  const architecture = currentNames(saved, file);
  if (expect !== undefined) {
    if (!(expect instanceof Sequential)) fail('ERR_INVALID_ARG', 'loadModel: options.expect must be a Sequential');
    if (typeof architecture !== 'object' || architecture === null)
      fail('ERR_IO', `${file}: metadata "architecture" is not a model description`);
    const difference = firstArchitectureDifference(architecture as LayerConfig, expect.toConfig());
    if (difference !== null) fail('ERR_SHAPE', `${file}: the saved architecture does not match ${expect.name}: ${difference}`);
    return expect;
  }
  checkDeclaredState(architecture, tensors, file);
  try {
    return Sequential.fromConfig(architecture, 'architecture');
  } catch (e) {
    const why = e instanceof NeuroblasError ? e.message : `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    throw new NeuroblasError('ERR_IO', `${file}: the saved architecture cannot be built: ${why}`, { cause: e });
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
    const bad = nonFiniteIndex(t.data);
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
  try {
    return loadChecked(path, options);
  } catch (e) {
    // A file can make anything fail; whatever was not already the library's error is the file's problem.
    if (e instanceof NeuroblasError) throw e;
    const why = `${(e as Error)?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
    throw new NeuroblasError('ERR_IO', `${path}: cannot load the checkpoint (${why})`, { cause: e });
  }
}

/** What a file that is not a regular one is, for the message refusing it. */
function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * The bytes of a regular file. Opened non-blocking and checked with fstat on the same descriptor (no race with a
 * rename): a FIFO would block the open until a writer comes, and a device such as /dev/zero never ends.
 */
function readRegularFile(path: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) fail('ERR_IO', `${path}: cannot read the checkpoint (not a regular file but ${fileKind(stat)})`);
    return fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof NeuroblasError) throw e;
    throw new NeuroblasError('ERR_IO', `${path}: cannot read the checkpoint: ${describeFsError(e)}`, { cause: e });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The input range saved in the file, or null; ERR_IO when malformed. */
function savedInputRange(metadata: Record<string, string>, file: string): InputRange | null {
  if (metadata.input_range === undefined) return null;
  try {
    return checkInputRangeValue('input_range', jsonField(metadata, 'input_range', file));
  } catch (e) {
    if (e instanceof NeuroblasError && e.code === 'ERR_IO') throw e;
    throw new NeuroblasError('ERR_IO', `${file}: metadata "input_range" is not { min, max } arrays of finite numbers: corrupted`, {
      cause: e,
    });
  }
}

const CLASS_METRIC = /^class (\d+): (.*)$/s;

/** The class names saved in the file; for older files, the "class <i>: <name>" metric entries when they name every index. */
function savedClasses(metadata: Record<string, string>, metrics: Record<string, number>, file: string): string[] | null {
  if (metadata.classes !== undefined) {
    const classes = jsonField(metadata, 'classes', file);
    if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string'))
      fail('ERR_IO', `${file}: metadata "classes" is not an array of class names: corrupted`);
    return classes as string[];
  }
  // Every such entry, with indices exactly 0..n-1 (a gap or a stray entry gives none: not the CLI's names).
  const entries = Object.entries(metrics).flatMap(([key, value]) => {
    const m = CLASS_METRIC.exec(key);
    return m === null ? [] : [{ index: Number(m[1]), value, name: m[2] }];
  });
  const names = new Array<string | undefined>(entries.length);
  for (const { index, value, name } of entries) {
    if (index !== value || index >= entries.length || names[index] !== undefined) return null;
    names[index] = name;
  }
  return entries.length > 0 ? (names as string[]) : null;
}

function loadChecked(path: string, options: LoadOptions): Checkpoint {
  const bytes = readRegularFile(path);
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
  let model: Sequential;
  try {
    model = modelFor(jsonField(metadata, 'architecture', path), options.expect, tensors, path);
  } finally {
    random.setState(before);
  }
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

  const inputRange = savedInputRange(metadata, path);
  const classes = savedClasses(metadata, metrics as Record<string, number>, path);
  const tokenizer = savedTokenizer(metadata, path);
  const seriesScaling = savedSeriesScaling(metadata, path);
  checkTextAndSeries(model, tokenizer ?? undefined, seriesScaling ?? undefined, path, 'ERR_IO');

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
    backend: metadata.backend === 'native' || metadata.backend === 'js' ? metadata.backend : null,
    inputRange,
    classes,
    tokenizer,
    seriesScaling,
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
