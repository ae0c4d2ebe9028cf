/**
 * Process-wide settings every command applies before touching a kernel: which backend (`--backend`, through the
 * library's own choice, useBackend, so it holds whatever ran before), the kernel thread count, and the seed of the
 * library's generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../backend/contract.js';
import { backendInfo, getBackend, nativeAvailable, type BackendName } from '../backend/load.js';
import type { OpenblasInfo } from '../backend/native.js';
import { fail, NeuroblasError } from '../errors.js';
import { currentBackend, useBackend } from '../ops/current-backend.js';
import { manualSeed } from '../random.js';

export const BACKEND_CHOICES = ['native', 'js'] as const;

export interface RuntimeFlags {
  backend?: (typeof BACKEND_CHOICES)[number];
  threads?: number;
  seed?: number;
}

/** What `neuroblas info` reports: the backend in use and why, its threads, and the native addon's state. */
export interface RuntimeInfo {
  backend: BackendName;
  reason: string;
  threads: number;
  /** OpenBLAS configuration of the native addon, or null when it does not load. */
  openblas: OpenblasInfo | null;
  /** Why native does not load, when it does not. */
  nativeError: string | null;
}

/** The backend `--backend name` asks for, made the graph's backend; ERR_BACKEND saying why when it cannot load. */
function useBackendFlag(name: BackendName): Backend {
  let backend: Backend;
  try {
    backend = getBackend(name);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new NeuroblasError('ERR_BACKEND', `--backend ${name} cannot be used: ${why}`, { cause: e });
  }
  useBackend(backend);
  return backend;
}

function nativeState(): Pick<RuntimeInfo, 'openblas' | 'nativeError'> {
  if (!nativeAvailable()) {
    try {
      getBackend('native');
    } catch (e) {
      return { openblas: null, nativeError: e instanceof Error ? e.message : String(e) };
    }
  }
  // Native loads, so asking the library for its default choice neither fails nor warns.
  return { openblas: backendInfo().openblas, nativeError: null };
}

/** Applies the flags and returns the backend in use (its name), why it was chosen, and the native addon's state. */
export function applyRuntime(flags: RuntimeFlags): RuntimeInfo {
  const backend = flags.backend === undefined ? currentBackend() : useBackendFlag(flags.backend);
  backend.setNumThreads(flags.threads ?? 1);
  if (flags.seed !== undefined) manualSeed(flags.seed);
  const reason = flags.backend === undefined ? backendInfo().reason : `--backend ${flags.backend}`;
  return { backend: backend.name, reason, threads: backend.getNumThreads(), ...nativeState() };
}

/** Fails before any work when a file we are asked to write has no directory to go in (not after a long training). */
export function checkWritable(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) fail('ERR_IO', `${flag} ${file}: directory ${dir} does not exist`);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) fail('ERR_IO', `${flag} ${file}: is a directory, expected a file name`);
}
