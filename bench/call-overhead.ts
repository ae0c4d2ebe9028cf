/**
 * What one kernel call costs on a tiny problem, where the argument checks and the crossing into C++ are most of it:
 * nanoseconds per call, native and js, each the median of 15 rounds of 50,000 calls after a warm-up.
 *   npx tsx bench/call-overhead.ts [--dist] [--threads N]
 * With --dist it measures the built package (dist/, as users run it) rather than the TypeScript sources.
 */
import { flag, median, option } from './args.js';
import { bothKernelSets } from './kernel-sets.js';

bothKernelSets('call overhead');

const nb: typeof import('../lib/index.js') = flag('--dist') ? await import('../dist/index.js' as string) : await import('../lib/index.js');

function calls(b: ReturnType<typeof nb.getBackend>): Record<string, () => void> {
  const X = new Float32Array(16);
  const Y = new Float32Array(16);
  const x = new Float32Array(100);
  const W = new Float32Array(1000);
  const bias = new Float32Array(10);
  const Z = new Float32Array(10);
  const out = new Float32Array(10);
  const sgd = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 };
  const p = new Float32Array(64);
  const g = new Float32Array(64);
  const buf = new Float32Array(64);
  const image = new Float32Array(64);
  const kernel = new Float32Array(18);
  const kernelBias = new Float32Array(2);
  const cols = new Float32Array(9 * 36);
  const conv = new Float32Array(2 * 36);
  return {
    'axpy, n = 16': () => b.axpy(16, 0.5, X, Y),
    'denseForward 1×100→10, sigmoid': () => b.denseForward(1, 10, 100, x, W, bias, 'sigmoid', 0, Z, out),
    'sgdStep n = 64, momentum': () => b.sgdStep(64, p, g, buf, 2, sgd),
    'conv2dForward 1×1×8×8, 2 filters 3×3': () => b.conv2dForward(1, 1, 8, 8, 2, 3, 3, 1, 0, 1, image, kernel, kernelBias, cols, conv),
  };
}

const native = nb.getBackend('native');
native.setNumThreads(option('--threads', 1));
const backends = { native, js: nb.getBackend('js') };
console.log(`ns per call (median of 15 rounds of 50,000 calls), ${flag('--dist') ? 'dist/' : 'lib/'}`);
console.log('call'.padEnd(40), 'native'.padStart(8), 'js'.padStart(8));
const rows = Object.keys(calls(backends.js));
const fns = { native: calls(backends.native), js: calls(backends.js) };
for (const row of rows) {
  const cells: string[] = [];
  for (const name of ['native', 'js'] as const) {
    const f = fns[name][row];
    for (let i = 0; i < 100_000; i++) f();
    const rounds: number[] = [];
    for (let r = 0; r < 15; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 50_000; i++) f();
      rounds.push(Number(process.hrtime.bigint() - t0) / 50_000);
    }
    cells.push(median(rounds).toFixed(0).padStart(8));
  }
  console.log(row.padEnd(40), ...cells);
}
