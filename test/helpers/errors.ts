/** Asserts that a call throws the library's error class with a given code (and message, when given). */
import { expect } from 'vitest';
import { NeuroblasError, type ErrorCode } from '../../lib/index.js';

export function expectError(call: () => unknown, code: ErrorCode, message?: RegExp): NeuroblasError {
  let thrown: unknown;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected a NeuroblasError ${code}, but the call returned normally`).toBeDefined();
  expect(thrown, `expected a NeuroblasError ${code}, got ${String(thrown)}`).toBeInstanceOf(NeuroblasError);
  const err = thrown as NeuroblasError;
  expect(err.code, err.message).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}
