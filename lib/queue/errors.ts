/**
 * Which failures are worth another attempt. The library's own errors (bad data, a diverging run, a model that does
 * not fit the data, a changed file) would fail again the same way: they become BullMQ's UnrecoverableError with the
 * library's message, so the job fails once. Anything else (storage briefly missing, a network error) is retried
 * with the job's backoff.
 */
import { UnrecoverableError } from 'bullmq';
import { NeuroblasError } from '../errors.js';

export function classifyJobError(e: unknown): Error {
  if (e instanceof NeuroblasError && e.code !== 'ERR_BACKEND') {
    const u = new UnrecoverableError(`${e.code}: ${e.message}`);
    u.cause = e;
    return u;
  }
  return e instanceof Error ? e : new Error(String(e));
}
