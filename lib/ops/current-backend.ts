/**
 * Which backend the graph's ops call. By default the library's active backend (lib/backend/load.ts);
 * `useBackend`/`withBackend` override it for this module, so one process can run the same network on
 * js and on native (the tests compare them that way). Ops capture the backend when they run forward,
 * so a backward pass always uses the backend its forward used.
 */
import { activeBackend } from '../backend/load.js';
import type { Backend } from '../backend/contract.js';

let override: Backend | null = null;

export function currentBackend(): Backend {
  return override ?? activeBackend();
}

/** Sets (or with null, clears) the backend the graph uses; returns the previous override. */
export function useBackend(backend: Backend | null): Backend | null {
  const previous = override;
  override = backend;
  return previous;
}

/** Runs `fn` with `backend` as the graph's backend, restoring the previous choice afterwards. Synchronous only. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = useBackend(backend);
  try {
    return fn();
  } finally {
    useBackend(previous);
  }
}
