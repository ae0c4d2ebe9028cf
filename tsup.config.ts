import { defineConfig, type Options } from 'tsup';

type Plugin = NonNullable<Options['plugins']>[number];

/**
 * Stack traces say `Sequential.fit`, not `_Sequential.fit`. A bundler turns `class Sequential { … new Sequential() … }`
 * into `var Sequential = class _Sequential { … new _Sequential() … }` (the class's own binding needs a name apart from
 * the module's), and V8 names a stack frame's receiver after the class's written name, which keepNames does not change
 * (it fixes `.name` only). This gives the class its own name back: `class Sequential` binds `Sequential` inside its
 * body to the class itself, the same value the outer `var` holds. A space takes the dropped underscore's place, so
 * every column the source maps point at stays where it was.
 */
const classNames: Plugin = {
  name: 'class-names',
  renderChunk(code) {
    if (!code.includes('= class _')) return;
    let out = code;
    for (const [, name] of code.matchAll(/\bvar (\w+) = class _\1\b/g)) {
      out = out.replace(new RegExp(`(?<![\\w$."'\`])_${name}\\b(?![$"'\`])`, 'g'), `${name} `);
    }
    return out === code ? undefined : { code: out };
  },
};

// One source tree, two module formats: ESM (`import`) and CommonJS (`require`), each with its types.
export default defineConfig({
  // fit-worker: the thread `fit` trains in (lib/train/worker/pool.ts loads dist/fit-worker.js next to the bundle).
  // cli: the `neuroblas` command (bin/neuroblas.js imports dist/cli.js).
  // queue: `neuroblas/queue` (BullMQ and ioredis, optional peers: only this entry loads them).
  entry: { index: 'lib/index.ts', 'fit-worker': 'lib/train/worker/thread.ts', cli: 'lib/cli/main.ts', queue: 'lib/queue/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  shims: true, // import.meta.url in the CommonJS build (the addon loader needs it)
  clean: true,
  target: 'node18',
  platform: 'node',
  sourcemap: true,
  // Classes and functions keep their own names in the bundle: SGD.name is 'SGD', not 'SGD2'.
  keepNames: true,
  plugins: [classNames],
});
