/** Helpers for tests of asynchronous training: a backend for an async body, and the library error a promise rejects with. */
import { expect } from 'vitest';
import { NeuroblasError, useBackend, type Backend } from '../../lib/index.js';

/** Runs an async body with `backend` as the graph's backend (withBackend is synchronous only). */
export async function onBackend<T>(backend: Backend, body: () => Promise<T>): Promise<T> {
  const previous = useBackend(backend);
  try {
    return await body();
  } finally {
    useBackend(previous);
  }
}

/** The NeuroblasError `p` rejects with (a failed expectation when it resolves or rejects with anything else). */
export async function rejection(p: Promise<unknown>): Promise<NeuroblasError> {
  let thrown: unknown;
  try {
    await p;
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected the promise to reject').toBeDefined();
  expect(thrown).toBeInstanceOf(NeuroblasError);
  return thrown as NeuroblasError;
}
