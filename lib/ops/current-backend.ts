/**
 * Which backend the graph's ops call. By default the library's active backend (lib/backend/load.ts);
 * `useBackend`/`withBackend` override it for this module, so one process can run the same network on
 * js and on native (the tests compare them that way). Ops capture the backend when they run forward,
 * so a backward pass always uses the backend its forward used.
 */
import { activeBackend, getBackend, type BackendName } from '../backend/load.js';
import type { Backend } from '../backend/contract.js';
import { show } from '../check.js';
import { fail } from '../errors.js';

let override: Backend | null = null;

export function currentBackend(): Backend {
  return override ?? activeBackend();
}

/** A backend object (getBackend's, or one built to the contract: a name and the kernels), or null. */
function isBackend(v: unknown): v is Backend {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Partial<Backend>;
  return (b.name === 'js' || b.name === 'native') && typeof b.denseForward === 'function';
}

/** A backend given by name ('js' | 'native', through getBackend: native's error says why it cannot load) or as the object. */
function resolve(owner: string, backend: unknown, orNull: boolean): Backend | null {
  if (backend === 'js' || backend === 'native') return getBackend(backend);
  if (isBackend(backend) || (orNull && backend === null)) return backend;
  const takes = orNull
    ? "'js', 'native', a backend object (getBackend(name)) or null"
    : "'js', 'native' or a backend object (getBackend(name))";
  return fail('ERR_INVALID_ARG', `${owner}: backend must be ${takes}, got ${show(backend)}`);
}

/** Sets (or with null, clears) the backend the graph uses, by name or object; returns the previous override. */
export function useBackend(backend: Backend | BackendName | null): Backend | null {
  const next = resolve('useBackend', backend, true);
  const previous = override;
  override = next;
  return previous;
}

/** Runs `fn` with `backend` (a name or the object) as the graph's backend, restoring the previous choice afterwards. Synchronous only. */
export function withBackend<T>(backend: Backend | BackendName, fn: () => T): T {
  const next = resolve('withBackend', backend, false);
  if (typeof fn !== 'function') fail('ERR_INVALID_ARG', `withBackend: fn must be a function, got ${show(fn)}`);
  const previous = useBackend(next);
  try {
    return fn();
  } finally {
    useBackend(previous);
  }
}
