/**
 * Every bench prints both OpenBLAS kernel sets users meet, in one run: the parent re-runs the bench script in a child
 * process with `OPENBLAS_CORETYPE=Haswell` (the AVX2 kernels every AVX2-only CPU runs) and in one with the variable
 * unset (the CPU's own choice: AVX-512 kernels on these machines), streams each child's output with its kernel set in
 * front, and prints the children's result tables side by side, each column headed by the kernels it used.
 *
 *   const sets = bothKernelSets('MLP-A epoch');   // in the parent: runs the children, prints, and exits
 *   …                                             // in a child: the bench itself
 *   reportRows(rows);                              // the child's result rows, for the parent's table
 *
 * `--kernels current` skips the children and runs in this process with whatever the environment says.
 */
import { spawnSync } from 'node:child_process';
import { backendInfo } from '../lib/index.js';
import { stringOption } from './args.js';

const CHILD = 'NEUROBLAS_BENCH_KERNEL_SET';
const MARK = '@@bench-rows ';

interface KernelSet {
  label: string;
  coreType: string | null;
}

const SETS: KernelSet[] = [
  { label: 'AVX2 (OPENBLAS_CORETYPE=Haswell)', coreType: 'Haswell' },
  { label: "CPU's own (OPENBLAS_CORETYPE unset)", coreType: null },
];

/** The kernel set this process runs, as OpenBLAS names it (e.g. 'Haswell', 'SkylakeX'). */
export function kernelName(): string {
  const o = backendInfo().openblas;
  return o ? `${o.coreName} (${o.coreTypeSource})` : 'no OpenBLAS';
}

/** True when this process is a child (or --kernels current): run the bench. In the parent, runs both and exits. */
export function bothKernelSets(title: string): void {
  if (process.env[CHILD] !== undefined || stringOption('--kernels', 'both') === 'current') return;
  const tables: { label: string; kernels: string; rows: [string, string][] }[] = [];
  for (const set of SETS) {
    const env: NodeJS.ProcessEnv = { ...process.env, [CHILD]: set.label };
    if (set.coreType === null) delete env.OPENBLAS_CORETYPE;
    else env.OPENBLAS_CORETYPE = set.coreType;
    console.log(`\n=== ${title}: ${set.label} ===`);
    const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2)], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    let rows: [string, string][] = [];
    let kernels = '?';
    for (const line of (r.stdout ?? '').split('\n')) {
      if (line.startsWith(MARK)) {
        const j = JSON.parse(line.slice(MARK.length)) as { kernels: string; rows: [string, string][] };
        rows = j.rows;
        kernels = j.kernels;
      } else if (line.length > 0) console.log(`  ${line}`);
    }
    if (r.status !== 0) console.log(`  (child exited with ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ''})`);
    tables.push({ label: set.label, kernels, rows });
  }
  printSideBySide(title, tables);
  process.exit(0);
}

function printSideBySide(title: string, tables: { label: string; kernels: string; rows: [string, string][] }[]): void {
  if (tables.every((t) => t.rows.length === 0)) return;
  const keys: string[] = [];
  for (const t of tables) for (const [k] of t.rows) if (!keys.includes(k)) keys.push(k);
  const header = ['', ...tables.map((t) => `${t.label}: ${t.kernels}`)];
  const body = keys.map((k) => [k, ...tables.map((t) => t.rows.find((r) => r[0] === k)?.[1] ?? '—')]);
  const cells = [header, ...body];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  console.log(`\n${title}, both kernel sets`);
  for (const [i, r] of cells.entries()) {
    console.log(`| ${r.map((s, c) => s.padEnd(widths[c])).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
}

/** The child's result rows: printed as a table here, and handed to the parent for the side-by-side one. */
export function reportRows(title: string, rows: [string, string][]): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${title} · kernels ${kernelName()}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  if (process.env[CHILD] !== undefined) console.log(`${MARK}${JSON.stringify({ kernels: kernelName(), rows })}`);
}
