/**
 * The error an aborted fit rejects with: a NeuroblasError (code ERR_ABORTED) named 'AbortError', like the
 * DOMException fetch() rejects with, so `err.name === 'AbortError'` checks written for the platform work too.
 * Shared by the loop (loop.ts) and the worker path (worker/caller.ts), which rebuilds it on the
 * caller's thread so that `cause` is the caller's own `signal.reason`.
 */
import { NeuroblasError } from '../errors.js';

export function abortError(signal: AbortSignal, where: string): NeuroblasError {
  const reason = signal.reason as { message?: unknown } | undefined;
  const err = new NeuroblasError(
    'ERR_ABORTED',
    `${where}: training aborted${reason !== undefined ? ` (${String(reason?.message ?? reason)})` : ''}`,
    { cause: signal.reason },
  );
  err.name = 'AbortError';
  return err;
}
