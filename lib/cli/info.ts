/**
 * `neuroblas info`: what a bug report needs — the version, which backend runs and why, the OpenBLAS build and
 * kernel set with its thread count, and the CPU. `neuroblas info <model>`: what a checkpoint holds (info-model.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Option, type Command } from 'commander';
import { libraryVersion } from '../io/version.js';
import { printModelInfo, readModelInfo } from './info-model.js';
import { Output } from './output.js';
import { applyRuntime, BACKEND_CHOICES, type RuntimeFlags } from './runtime.js';
import { parsePositiveInt } from './options.js';

interface InfoFlags extends RuntimeFlags {
  json?: boolean;
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('version, backend and why, OpenBLAS configuration and threads, CPU; with a model file, what it holds')
    .argument('[model]', 'a checkpoint (.safetensors): architecture, parameters, training metadata, classes')
    .option('--threads <n>', 'OpenBLAS threads to report with', parsePositiveInt, 1)
    .addOption(new Option('--backend <name>', 'kernel backend (default: native when the addon loads)').choices(BACKEND_CHOICES))
    .option('--json', 'one JSON object on stdout')
    .action((model: string | undefined, flags: InfoFlags) => infoCommand(model, flags));
}

/** The SIMD flags that decide OpenBLAS's kernels, from /proc/cpuinfo (empty where it does not exist). */
function simdFlags(): string[] {
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    const flags = new Set(line?.split(':')[1]?.trim().split(/\s+/) ?? []);
    return ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_bf16'].filter((f) => flags.has(f));
  } catch {
    return [];
  }
}

function infoCommand(model: string | undefined, flags: InfoFlags): void {
  const out = new Output(flags.json === true);
  const info = applyRuntime(flags);
  if (model !== undefined) {
    printModelInfo(out, readModelInfo(model));
    return;
  }
  const cpus = os.cpus();
  const cpu = { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, arch: process.arch, simd: simdFlags() };
  out.record({ version: libraryVersion(), node: process.version, ...info, cpu });
  out.human(`neuroblas ${libraryVersion()} (Node ${process.version}, ${process.platform}-${process.arch})`);
  out.human(`backend: ${info.backend} (${info.reason})`);
  if (info.nativeError) out.human(`native:  unavailable: ${info.nativeError}`);
  out.human(`threads: ${info.threads}`);
  if (info.openblas) {
    for (const [key, value] of Object.entries(info.openblas))
      out.human(`openblas ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  }
  out.human(`cpu:     ${cpu.model}, ${cpu.cores} logical cores, ${cpu.simd.join(' ') || 'no SIMD flags read'}`);
}
