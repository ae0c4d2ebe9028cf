/**
 * Which failures are worth another attempt. The library's own errors (bad data, a diverging run, a model that does
 * not fit the data, a changed file) would fail again the same way: they become BullMQ's UnrecoverableError with the
 * library's message, so the job fails once. Anything else (storage briefly missing, even when the library reported
 * it as an ERR_IO while reading the data, a network error) is retried with the job's backoff.
 */
import { UnrecoverableError } from 'bullmq';
import { NeuroblasError } from '../errors.js';

/** File-system errors that storage can recover from by itself (a shared volume briefly missing a file, or away). */
const TRANSIENT_FS_CODES = new Set(['ENOENT', 'EIO', 'ESTALE', 'EBUSY', 'EAGAIN', 'ETIMEDOUT', 'EHOSTDOWN', 'ENOTCONN']);

/** An ERR_IO the library raised because the storage failed a read (its cause an fs error such as ENOENT), not because of what it read. */
function storageFailure(e: NeuroblasError): boolean {
  const cause = e.cause as NodeJS.ErrnoException | undefined;
  return e.code === 'ERR_IO' && typeof cause?.code === 'string' && TRANSIENT_FS_CODES.has(cause.code);
}

export function classifyJobError(e: unknown): Error {
  if (e instanceof NeuroblasError && e.code !== 'ERR_BACKEND' && !storageFailure(e)) {
    const u = new UnrecoverableError(`${e.code}: ${e.message}`);
    u.cause = e;
    return u;
  }
  return e instanceof Error ? e : new Error(String(e));
}
