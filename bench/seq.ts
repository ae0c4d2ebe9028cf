/**
 * SEQ-A: Embedding(96, 64) → LSTM or GRU(64 → 128) → last step → Dense(128 → 10), cross-entropy, Adam 1e-3, batch 64,
 * length 64, one thread, on random tokens: the median training step (forward, loss, backward, Adam step) and batch-64
 * inference (eval, no gradient), native vs js vs PyTorch (bench/peers/seq_torch.py, torch.set_num_threads(1)).
 *
 *   npx tsx bench/seq.ts [--steps N] [--js-steps N] [--no-js] [--no-torch]      (npm run bench:seq)
 *
 * OpenBLAS picks its kernels by CPU at load, so the bench runs itself twice in child processes, with
 * OPENBLAS_CORETYPE=Haswell (AVX2 kernels) and with the variable unset (the CPU's own, AVX-512 here), OPENBLAS_NUM_THREADS=1
 * in both; PyTorch (Debian's, over the same OpenBLAS) runs under the same environment in each, then one table is printed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import {
  Adam,
  Dense,
  Embedding,
  GRU,
  LSTM,
  Sequential,
  Tensor,
  backendInfo,
  crossEntropyLoss,
  getBackend,
  manualSeed,
  noGrad,
  setNumThreads,
  useBackend,
  type Backend,
} from '../lib/index.js';
import { flag, median, option } from './args.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const KINDS = ['lstm', 'gru'] as const;
type Kind = (typeof KINDS)[number];
interface Timing {
  step: number;
  infer: number;
}
interface ChildReport {
  core: string;
  native: Record<Kind, Timing>;
  js: Record<Kind, Timing> | null;
  torch: { version: string; lstm: Timing; gru: Timing } | string;
}

function seqA(kind: Kind): Sequential {
  const Rnn = kind === 'lstm' ? LSTM : GRU;
  return new Sequential([new Embedding(96, 64), new Rnn(64, 128, { returns: 'lastStep' }), new Dense(128, 10)]);
}

function timed(fn: () => void, warmup: number, steps: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const seconds: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(seconds);
}

function measure(backend: Backend, kind: Kind, steps: number): Timing {
  const previous = useBackend(backend);
  try {
    manualSeed(1);
    const model = seqA(kind);
    const optimizer = new Adam(model.parameters(), { lr: 1e-3, backend });
    const x = new Tensor(
      Float32Array.from({ length: 64 * 64 }, (_, i) => (i * 7919) % 96),
      [64, 64],
    );
    const y = Int32Array.from({ length: 64 }, (_, i) => (i * 31) % 10);
    model.train();
    const step = timed(
      () => {
        optimizer.zeroGrad();
        const loss = crossEntropyLoss(model.forward(x, { reuse: true, checkInput: false }), y);
        loss.backward();
        optimizer.step();
      },
      2,
      steps,
    );
    model.eval();
    const infer = timed(() => noGrad(() => model.forward(x, { reuse: true, checkInput: false })), 2, steps);
    return { step, infer };
  } finally {
    useBackend(previous);
  }
}

function torchPeer(steps: number): ChildReport['torch'] {
  const r = spawnSync('/usr/bin/python3', [path.join(here, 'peers', 'seq_torch.py'), '--steps', String(steps), '--threads', '1'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.error) return `cannot run /usr/bin/python3 (${r.error.message})`;
  if (r.status !== 0)
    return /No module named .?torch/.test(r.stderr) ? 'torch does not import' : `peer failed: ${r.stderr.trim().split('\n').pop()}`;
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
  return { version: j.torch, lstm: j.lstm, gru: j.gru };
}

function child(): void {
  setNumThreads(1);
  const steps = option('--steps', 15);
  const jsSteps = option('--js-steps', 3);
  const native = getBackend('native');
  const report: ChildReport = {
    core: backendInfo().openblas?.coreName ?? 'unknown',
    native: { lstm: measure(native, 'lstm', steps), gru: measure(native, 'gru', steps) },
    js: flag('--no-js') ? null : { lstm: measure(getBackend('js'), 'lstm', jsSteps), gru: measure(getBackend('js'), 'gru', jsSteps) },
    torch: flag('--no-torch') ? 'skipped (--no-torch)' : torchPeer(steps),
  };
  console.log(JSON.stringify(report));
}

const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;

function parent(): void {
  const passOn = process.argv.slice(2);
  const rows: string[] = [];
  for (const core of ['Haswell', null]) {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    if (core === null) delete env.OPENBLAS_CORETYPE;
    else env.OPENBLAS_CORETYPE = core;
    const label = core === null ? 'OPENBLAS_CORETYPE unset' : `OPENBLAS_CORETYPE=${core}`;
    console.error(`running SEQ-A with ${label}…`);
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', ...passOn], {
      encoding: 'utf8',
      env,
      timeout: 1_800_000,
    });
    if (r.status !== 0) throw new Error(`the ${label} run failed:\n${r.stdout}${r.stderr}`);
    const c = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
    for (const kind of KINDS) {
      const t = typeof c.torch === 'string' ? null : c.torch[kind];
      const ratio = (x: number, y: number | undefined) => (y === undefined ? '–' : `${(x / y).toFixed(2)}×`);
      rows.push(
        `| ${kind.toUpperCase()} | ${label} (${c.core}) | ${ms(c.native[kind].step)} | ${c.js ? ms(c.js[kind].step) : '–'} | ` +
          `${t ? ms(t.step) : '–'} | ${ratio(c.native[kind].step, t?.step)} | ${ms(c.native[kind].infer)} | ` +
          `${c.js ? ms(c.js[kind].infer) : '–'} | ${t ? ms(t.infer) : '–'} | ${ratio(c.native[kind].infer, t?.infer)} |`,
      );
    }
    if (typeof c.torch === 'string') console.error(`  PyTorch: ${c.torch}`);
    else console.error(`  PyTorch ${c.torch.version}`);
  }
  console.log('SEQ-A: Embedding(96, 64) → RNN(64 → 128) → last step → Dense(128 → 10), Adam 1e-3, batch 64, length 64, 1 thread');
  console.log(
    '| model | OpenBLAS kernels | native step | js step | PyTorch step | native/PyTorch | ' +
      'native infer | js infer | PyTorch infer | native/PyTorch |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

if (flag('--child')) child();
else parent();
