/**
 * Every test must assert something: a test whose body runs without one passes whatever the code does.
 * Registered for the whole suite in vitest.config.ts (setupFiles), so scripts/sanitize.sh gets it too.
 */
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
