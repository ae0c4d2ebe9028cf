import { defineConfig } from 'tsup';

// One source tree, two module formats: ESM (`import`) and CommonJS (`require`), each with its types.
export default defineConfig({
  // fit-worker: the thread `fit` trains in (lib/train/worker/pool.ts loads dist/fit-worker.js next to the bundle).
  // cli: the `neuroblas` command (bin/neuroblas.js imports dist/cli.js).
  entry: { index: 'lib/index.ts', 'fit-worker': 'lib/train/worker/thread.ts', cli: 'lib/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  shims: true, // import.meta.url in the CommonJS build (the addon loader needs it)
  clean: true,
  target: 'node18',
  platform: 'node',
  sourcemap: true,
});
