/**
 * Which backend runs the kernels, and why. `native` when the addon loads, `js` otherwise;
 * NEUROBLAS_BACKEND=js|native forces one (forcing native when it cannot load is an error that says why).
 * The addon is found by node-gyp-build: build/Release first (a developer or source build), then prebuilds/.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeuroblasError, fail } from '../errors.js';
import type { Backend } from './contract.js';
import { checked } from './checked.js';
import { jsBackend } from './js/index.js';
import { wrapAddon, type NativeAddon, type OpenblasInfo } from './native.js';

export type BackendName = 'js' | 'native';

/** The package root: the nearest folder above this file whose package.json names neuroblas (works from lib/ and dist/). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'neuroblas') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the neuroblas package root');
    dir = up;
  }
}

const js: Backend = checked(jsBackend);
let native: { backend: Backend; addon: NativeAddon; file: string } | NeuroblasError | undefined;

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

function loadNative(): { backend: Backend; addon: NativeAddon; file: string } | NeuroblasError {
  if (native) return native;
  try {
    const require = createRequire(import.meta.url);
    const nodeGypBuild = require('node-gyp-build') as { (dir: string): unknown; resolve(dir: string): string };
    const root = packageRoot();
    const file = nodeGypBuild.resolve(root);
    const addon = require(file) as NativeAddon;
    addon.setErrorClass(NeuroblasError);
    native = { backend: checked(wrapAddon(addon)), addon, file: path.relative(root, file) };
  } catch (e) {
    const why = firstLine(e);
    const fix = /No native build was found/.test(why)
      ? 'build it with `npm run build:addon` (needs a C++ compiler and libopenblas-dev)'
      : 'reinstall neuroblas, or rebuild with `npm run build:addon`';
    native = new NeuroblasError('ERR_BACKEND', `native backend unavailable: ${why}; ${fix}`, { cause: e });
  }
  return native;
}

/** The backend object by name; for `native`, the library's error saying why it cannot load. */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return js;
  if (name !== 'native') fail('ERR_INVALID_ARG', `getBackend: name must be 'js' or 'native', got ${JSON.stringify(name)}`);
  const n = loadNative();
  if (n instanceof NeuroblasError) throw n;
  return n.backend;
}

/** True when the native addon can be loaded in this process. */
export function nativeAvailable(): boolean {
  return !(loadNative() instanceof NeuroblasError);
}

interface Choice { backend: Backend; reason: string }
let choice: Choice | undefined;

function choose(): Choice {
  if (choice) return choice;
  const forced = process.env.NEUROBLAS_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'native') {
    fail('ERR_INVALID_ARG', `NEUROBLAS_BACKEND must be 'js' or 'native', got ${JSON.stringify(forced)}`);
  }
  if (forced === 'js') return (choice = { backend: js, reason: 'NEUROBLAS_BACKEND=js' });
  const n = loadNative();
  if (n instanceof NeuroblasError) {
    if (forced === 'native') throw new NeuroblasError('ERR_BACKEND', `NEUROBLAS_BACKEND=native but ${n.message}`, { cause: n });
    console.warn(`neuroblas: using the js backend (${n.message})`);
    return (choice = { backend: js, reason: n.message });
  }
  const reason = forced === 'native' ? `NEUROBLAS_BACKEND=native (${n.file})` : `native addon loaded from ${n.file}`;
  return (choice = { backend: n.backend, reason });
}

/** The backend every layer, loss and optimizer uses unless told otherwise. */
export function activeBackend(): Backend {
  return choose().backend;
}

export interface BackendInfo {
  backend: BackendName;
  reason: string;
  threads: number;
  /** OpenBLAS configuration of the native addon, or null when it is not loaded. */
  openblas: OpenblasInfo | null;
  /** Why native is not available, when it is not. */
  nativeError: string | null;
}

export function backendInfo(): BackendInfo {
  const c = choose();
  const n = loadNative();
  return {
    backend: c.backend.name,
    reason: c.reason,
    threads: c.backend.getNumThreads(),
    openblas: n instanceof NeuroblasError ? null : n.addon.openblasInfo(),
    nativeError: n instanceof NeuroblasError ? n.message : null,
  };
}

/** Sets the kernel threads of the active backend (OpenBLAS threads for native). */
export function setNumThreads(n: number): void {
  activeBackend().setNumThreads(n);
}

export function getNumThreads(): number {
  return activeBackend().getNumThreads();
}
