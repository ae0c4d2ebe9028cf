/**
 * Callback states in a checkpoint (schedules, early stopping: anything with state() and loadState()). Each
 * state() is split into JSON, kept in the metadata entry "callbacks" (an array, one entry per callback, in the
 * order given), and tensors: every Float32Array in a state (EarlyStopping's weights) becomes the tensor
 * "callbacks.<i>.<path>" (e.g. "callbacks.1.bestWeights.0"), and its place in the JSON holds
 * `{ "$tensor": "<that name>" }`. The prefix keeps them apart from the model's weights, whose names start with
 * a layer index. And back: the states with their arrays, then restoreCallbackStates() into callbacks the caller
 * made, all or nothing.
 */
import { isFloat32Array } from '../check.js';
import { NeuroblasError, fail } from '../errors.js';
import { nonFiniteIndex, nonFiniteNumber } from './non-finite.js';
import type { F32Tensor } from './safetensors.js';
import { isPlainObject } from '../plain-data.js';

export const CALLBACK_TENSOR_PREFIX = 'callbacks.';
/** The metadata entry (absent in files saved without callbacks, and in files from before it existed). */
export const CALLBACKS_KEY = 'callbacks';

/** A callback's state: plain JSON data and Float32Arrays, with the `type` of the callback that made it. */
export interface CallbackState {
  type: string;
  [key: string]: unknown;
}

/**
 * What saveModel can store and restoreCallbacks can restore:
 * StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau, EarlyStopping.
 */
export interface StatefulCallback {
  state(): object;
  loadState(state: never): void;
}

const TENSOR = '$tensor';

function isStateful(cb: unknown): cb is StatefulCallback {
  return (
    typeof cb === 'object' &&
    cb !== null &&
    typeof (cb as StatefulCallback).state === 'function' &&
    typeof (cb as StatefulCallback).loadState === 'function'
  );
}

/** A callback's name for messages: its class. */
function nameOf(cb: unknown): string {
  const name = (cb as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? name : 'an object';
}

/** The JSON half of one value of a state, with its Float32Arrays moved into `tensors` under `prefix` + path. */
function splitValue(v: unknown, path: string[], prefix: string, tensors: Record<string, F32Tensor>, where: string): unknown {
  const at = () => (path.length ? path.join('.') : 'the state');
  if (isFloat32Array(v)) {
    const name = `${prefix}${path.join('.')}`;
    const bad = nonFiniteIndex(v);
    if (bad >= 0) fail('ERR_BAD_DATA', `${where}: ${at()} holds ${v[bad]} at index ${bad}; not saving (training diverged?)`);
    tensors[name] = { dtype: 'F32', shape: [v.length], data: v };
    return { [TENSOR]: name };
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('ERR_INVALID_ARG', `${where}: ${at()} is ${v}, which JSON cannot hold`);
    return v;
  }
  if (Array.isArray(v)) return v.map((item, i) => splitValue(item, [...path, String(i)], prefix, tensors, where));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(v)) {
      if (item === undefined) continue; // as JSON.stringify does
      if (key.includes('.'))
        fail('ERR_INVALID_ARG', `${where}: key ${JSON.stringify(key)} in ${at()} has a dot, which tensor names use as a separator`);
      out[key] = splitValue(item, [...path, key], prefix, tensors, where);
    }
    return out;
  }
  return fail(
    'ERR_INVALID_ARG',
    `${where}: ${at()} is ${ArrayBuffer.isView(v) ? Object.prototype.toString.call(v).slice(8, -1) : typeof v}; ` +
      `a state holds JSON values and Float32Arrays only`,
  );
}

/** The callbacks' states as the "callbacks" metadata records and their tensors. */
export function callbacksToCheckpoint(callbacks: unknown, where: string): { records: unknown[]; tensors: Record<string, F32Tensor> } {
  if (!Array.isArray(callbacks))
    fail('ERR_INVALID_ARG', `${where}: callbacks must be an array (the schedules and EarlyStopping whose state to save)`);
  const tensors: Record<string, F32Tensor> = {};
  const records = callbacks.map((cb, i) => {
    const what = `${where}: callbacks[${i}] (${nameOf(cb)})`;
    if (!isStateful(cb))
      fail(
        'ERR_INVALID_ARG',
        `${what} has no state() and loadState(); only callbacks that keep state can be saved ` +
          `(StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau, EarlyStopping)`,
      );
    const state = cb.state();
    if (!isPlainObject(state) || typeof state.type !== 'string')
      fail('ERR_INVALID_ARG', `${what}: state() must return an object with a string "type"`);
    return splitValue(state, [], `${CALLBACK_TENSOR_PREFIX}${i}.`, tensors, what);
  });
  return { records, tensors };
}

/**
 * The saved states, with their tensors put back in place. Checks the structure only (every record an object with a
 * type; every marker naming a callback tensor of its own entry; every callback tensor used once); what each state
 * means is checked by the callback's loadState. Every problem is an ERR_IO naming `file`.
 */
export function callbackStatesFromCheckpoint(records: unknown, tensors: Record<string, F32Tensor>, file: string): CallbackState[] {
  const names = Object.keys(tensors).filter((name) => name.startsWith(CALLBACK_TENSOR_PREFIX));
  if (records === undefined) {
    if (names.length > 0) fail('ERR_IO', `${file}: callback tensors (${names[0]}, …) without "${CALLBACKS_KEY}" metadata: corrupted`);
    return [];
  }
  if (!Array.isArray(records)) fail('ERR_IO', `${file}: metadata "${CALLBACKS_KEY}" is not an array of callback states`);
  // Saved states hold finite values only (saving refuses others): anything else is damage, or a crafted file.
  for (const name of names) {
    const data = tensors[name].data;
    const at = nonFiniteIndex(data);
    if (at >= 0) fail('ERR_IO', `${file}: callback state "${name}" holds ${data[at]} at index ${at}: corrupted`);
  }
  records.forEach((record, i) => {
    const overflow = nonFiniteNumber(record);
    if (overflow !== null) fail('ERR_IO', `${file}: callback ${i}'s state: ${overflow.path} is ${overflow.value}: corrupted`);
  });
  const used = new Set<string>();
  const join = (v: unknown, i: number): unknown => {
    if (Array.isArray(v)) return v.map((item) => join(item, i));
    if (!isPlainObject(v)) return v;
    if (Object.hasOwn(v, TENSOR)) {
      const name = v[TENSOR];
      const t = typeof name === 'string' && name.startsWith(`${CALLBACK_TENSOR_PREFIX}${i}.`) ? tensors[name] : undefined;
      if (t === undefined)
        fail(
          'ERR_IO',
          `${file}: callback ${i}'s state refers to tensor ${JSON.stringify(name)}, ` +
            `which the file does not have under "${CALLBACK_TENSOR_PREFIX}${i}.": corrupted`,
        );
      if (used.has(name as string))
        fail('ERR_IO', `${file}: tensor ${JSON.stringify(name)} is used twice by the callback states: corrupted`);
      used.add(name as string);
      return t.data;
    }
    return Object.fromEntries(Object.entries(v).map(([key, item]) => [key, join(item, i)]));
  };
  const states = records.map((record, i) => {
    if (!isPlainObject(record) || typeof record.type !== 'string')
      fail('ERR_IO', `${file}: callback ${i}'s saved state is not an object with a "type"`);
    return join(record, i) as CallbackState;
  });
  const unused = names.find((name) => !used.has(name));
  if (unused !== undefined) fail('ERR_IO', `${file}: tensor "${unused}" belongs to no saved callback state: corrupted`);
  return states;
}

/**
 * Restores `states` (from callbackStatesFromCheckpoint) into `callbacks`, made afresh by the caller in the order
 * they were saved. All or nothing: a count or type mismatch is refused before anything changes, and when one
 * callback refuses its state (other settings, say) the ones already restored are put back as they were.
 */
export function restoreCallbackStates(states: readonly CallbackState[], callbacks: unknown, file: string): void {
  const where = `${file}: restoreCallbacks`;
  if (!Array.isArray(callbacks)) fail('ERR_INVALID_ARG', `${where}: callbacks must be an array, in the order they were saved`);
  const saved = states.map((s) => s.type).join(', ');
  if (callbacks.length !== states.length) {
    const holds =
      states.length === 0
        ? 'holds no callback states (saved without options.callbacks, or by an older neuroblas)'
        : `holds ${states.length} callback state${states.length === 1 ? '' : 's'} (${saved})`;
    fail(
      'ERR_INVALID_ARG',
      `${where}: the checkpoint ${holds}, got ${callbacks.length} callback${callbacks.length === 1 ? '' : 's'}` +
        `${callbacks.length ? ` (${callbacks.map(nameOf).join(', ')})` : ''}`,
    );
  }
  const before = callbacks.map((cb, i) => {
    if (!isStateful(cb)) fail('ERR_INVALID_ARG', `${where}: callback ${i} (${nameOf(cb)}) has no state() and loadState()`);
    const own = cb.state() as Partial<CallbackState>;
    if (own.type !== states[i].type)
      fail(
        'ERR_INVALID_ARG',
        `${where}: callback ${i} is ${String(own.type)}, but the checkpoint saved ${states[i].type} there (saved, in order: ${saved})`,
      );
    return own;
  });
  let restored = 0;
  try {
    for (; restored < callbacks.length; restored++) (callbacks[restored] as StatefulCallback).loadState(states[restored] as never);
  } catch (e) {
    for (let i = 0; i < restored; i++) (callbacks[i] as StatefulCallback).loadState(before[i] as never);
    if (!(e instanceof NeuroblasError)) throw e;
    throw new NeuroblasError(e.code, `${where}: callback ${restored} (${states[restored].type}): ${e.message}`, { cause: e });
  }
}
