import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // expect.hasAssertions() before every test: a test that asserts nothing fails.
    setupFiles: ['test/setup/assertions.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    // The JSON report is what .ci/run counts; the default reporter is what people read.
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/test-results.json' },
  },
});
