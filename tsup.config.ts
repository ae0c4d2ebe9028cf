import { defineConfig } from 'tsup';

// One source tree, two module formats: ESM (`import`) and CommonJS (`require`), each with its types.
export default defineConfig({
  entry: { index: 'lib/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  shims: true, // import.meta.url in the CommonJS build (the addon loader needs it)
  clean: true,
  target: 'node18',
  platform: 'node',
  sourcemap: true,
});
