/**
 * The crossing's cost: cblas_sgemm called from C vs the same call through the addon from Node, at one
 * shape (default 512³), same library, same threads (default 1), same environment. Alternates the two
 * several times (these machines are shared and noisy) and prints the medians and their ratio.
 *
 *   npx tsx bench/sgemm-vs-c.ts [--n 512] [--threads 1] [--pairs 5]
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backendInfo, getBackend } from '../lib/index.js';
import { bothKernelSets } from './kernel-sets.js';

bothKernelSets('sgemm from C vs through the addon');

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '512' },
    threads: { type: 'string', default: '1' },
    pairs: { type: 'string', default: '5' },
    kernels: { type: 'string' },
  },
});
const n = Number(values.n),
  threads = Number(values.threads),
  pairs = Number(values.pairs);
const here = path.dirname(fileURLToPath(import.meta.url));
const exe = '/tmp/neuroblas-sgemm-c';
execFileSync('cc', [
  '-O2',
  '-I/usr/include/x86_64-linux-gnu/openblas-pthread',
  path.join(here, 'c/sgemm.c'),
  '-o',
  exe,
  '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a',
  '-lpthread',
  '-lm',
]);

const native = getBackend('native');
native.setNumThreads(threads);
const A = new Float32Array(n * n).map((_, i) => ((i % 7) - 3) * 0.1);
const B = new Float32Array(n * n).map((_, i) => ((i % 5) - 2) * 0.2);
const C = new Float32Array(n * n);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function nodeGflops(): number {
  for (let w = 0; w < 5; w++) native.sgemm(false, false, n, n, n, 1, A, B, 0, C);
  const rounds: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) native.sgemm(false, false, n, n, n, 1, A, B, 0, C);
    rounds.push((2 * n * n * n * 10) / Number(process.hrtime.bigint() - t));
  }
  return median(rounds);
}

const fromC: number[] = [],
  fromNode: number[] = [];
let core = '';
for (let p = 0; p < pairs; p++) {
  const [c, g] = execFileSync(exe, [String(n), String(threads)], { encoding: 'utf8' })
    .trim()
    .split(' ');
  core = c;
  fromC.push(Number(g));
  fromNode.push(nodeGflops());
}
const info = backendInfo().openblas!;
console.log(`sgemm ${n}³, ${threads} thread(s); OpenBLAS core: C ${core}, addon ${info.coreName} (${info.coreTypeSource})`);
console.log(`C (cblas_sgemm)        ${median(fromC).toFixed(1)} GFLOP/s   [${fromC.map((x) => x.toFixed(0)).join(' ')}]`);
console.log(`Node (addon, checked)  ${median(fromNode).toFixed(1)} GFLOP/s   [${fromNode.map((x) => x.toFixed(0)).join(' ')}]`);
console.log(`addon / C              ${((100 * median(fromNode)) / median(fromC)).toFixed(1)} %`);
