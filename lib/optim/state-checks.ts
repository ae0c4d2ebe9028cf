/**
 * Checks for the plain-data states that callbacks (learning-rate schedules, early stopping) give from state()
 * and take back in loadState(), shared by those classes and by the checkpoint code that stores them. Every
 * failure is a NeuroblasError('ERR_INVALID_ARG') that starts with `fn` (e.g. "StepLR.loadState") and names the
 * field, what it must be and what it was, so a state from the wrong callback or a damaged one is refused before
 * anything changes. Plain counts use lib/check.ts's checks (same wording); these are the rest.
 */
import { isFloat32Array, show } from '../check.js';
import { fail } from '../errors.js';
import { isPlainObject } from '../plain-data.js';

/** The state as an object, after checking that it is one and that it was made by a `type` (its `type` tag). */
export function stateOf(fn: string, state: unknown, type: string): Record<string, unknown> {
  if (!isPlainObject(state)) fail('ERR_INVALID_ARG', `${fn}: state must be an object (what state() returns), got ${show(state)}`);
  if (state.type !== type) fail('ERR_INVALID_ARG', `${fn}: the state is for ${show(state.type)}, not ${type}`);
  return state;
}

/**
 * The settings a state was made with must be this callback's own: a state means something only under them
 * (a cosine epoch count under another tMax, a patience count under another patience). Construct the callback
 * with the settings it was saved with.
 */
export function checkSameConfig(fn: string, saved: unknown, own: Readonly<Record<string, unknown>>): void {
  if (!isPlainObject(saved)) fail('ERR_INVALID_ARG', `${fn}: config must be an object of the settings, got ${show(saved)}`);
  for (const key of Object.keys(saved)) {
    if (!Object.hasOwn(own, key))
      fail('ERR_INVALID_ARG', `${fn}: config has an unknown setting ${JSON.stringify(key)} (known: ${Object.keys(own).join(', ')})`);
  }
  for (const [key, value] of Object.entries(own)) {
    if (!Object.hasOwn(saved, key)) fail('ERR_INVALID_ARG', `${fn}: config.${key} is missing`);
    if (saved[key] !== value) {
      fail(
        'ERR_INVALID_ARG',
        `${fn}: the state was saved with ${key} ${show(saved[key])}, this one has ${key} ${show(value)}; ` +
          `construct it with the saved settings`,
      );
    }
  }
}

/** null (not yet) or a 1-based epoch number. */
export function epochOrNull(fn: string, name: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    fail('ERR_INVALID_ARG', `${fn}: ${name} must be an epoch number (an integer >= 1) or null, got ${show(v)}`);
  return v;
}

/** null (nothing seen yet) or a number that is not NaN: a best metric value. */
export function metricOrNull(fn: string, name: string, v: unknown): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || Number.isNaN(v)) fail('ERR_INVALID_ARG', `${fn}: ${name} must be a number or null, got ${show(v)}`);
  return v;
}

/** null, or an array of Float32Arrays (weights), copied so that the caller's arrays stay theirs. */
export function weightsOrNull(fn: string, name: string, v: unknown): Float32Array[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) fail('ERR_INVALID_ARG', `${fn}: ${name} must be an array of Float32Arrays or null, got ${show(v)}`);
  return v.map((w, i) => {
    if (!isFloat32Array(w)) fail('ERR_INVALID_ARG', `${fn}: ${name}[${i}] must be a Float32Array, got ${show(w)}`);
    return w.slice();
  });
}
