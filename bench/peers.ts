/** Runs a PyTorch peer script from bench/peers/ with Debian's /usr/bin/python3 (the interpreter torch imports with). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PeerResult {
  median: number;
  accuracy: number;
  version: string;
  /** The peer process's peak RSS in MB (its ru_maxrss), when it reports one. */
  maxRssMb?: number;
}

/**
 * The peer's environment: its OpenBLAS (Debian's PyTorch calls the system's through BLAS) and OpenMP pools limited to
 * `threads`. torch.set_num_threads does not reach OpenBLAS's own pool, which would otherwise take every core: a
 * "1 thread" PyTorch figure measured without this ran its GEMMs on two (torch.mm 1024×784×512 with AVX2 kernels:
 * 108–119 GFLOP/s, against 53–75 with OPENBLAS_NUM_THREADS=1).
 */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  return { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
}

/** The peer's epoch times (printed as they come) and median, or a one-line reason it could not run. */
export function torchPeer(script: string, epochs: number, threads: number, dir: string, timeoutMs: number): PeerResult | string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'peers', script);
  const r = spawnSync('/usr/bin/python3', [file, '--epochs', String(epochs), '--threads', String(threads), '--dir', dir], {
    env: peerEnv(threads),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) return `cannot run /usr/bin/python3 (${r.error.message})`;
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout).trim().split('\n').pop() ?? '';
    return /No module named .?torch/.test(r.stderr) ? 'torch does not import' : `peer failed: ${last}`;
  }
  try {
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const [i, s] of (j.epochs as number[]).entries()) console.log(`  torch epoch ${i + 1}: ${s.toFixed(3)} s`);
    return {
      median: j.median,
      accuracy: j.testAccuracy,
      version: j.torch,
      maxRssMb: j.maxRssKb === undefined ? undefined : j.maxRssKb / 1024,
    };
  } catch {
    return `unreadable peer output: ${r.stdout.slice(0, 200)}`;
  }
}
