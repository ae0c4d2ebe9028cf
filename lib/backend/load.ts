/**
 * Which backend runs the kernels, and why. `native` when the addon loads, `js` otherwise;
 * NEUROBLAS_BACKEND=js|native forces one (forcing native when it cannot load is an error that says why).
 * The addon is NEUROBLAS_ADDON_PATH when set, else what node-gyp-build finds: build/Release first (a developer
 * or source build), then prebuilds/ (checked against this machine before it is loaded: host.ts).
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeuroblasError, fail } from '../errors.js';
import type { Backend } from './contract.js';
import { checked } from './checked.js';
import { prebuildMismatch, readCpuinfoHead, safeOpenblasCore } from './host.js';
import { jsBackend } from './js/index.js';
import { wrapAddon, type NativeAddon, type OpenblasInfo } from './native.js';

export type BackendName = 'js' | 'native';

/** The package root: the nearest folder above this file whose package.json names neuroblas (works from lib/ and dist/). */
export function packageRoot(): string {
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

/** `openblasCore`: the kernel set the loader made OpenBLAS use (guardOpenblasCore), or null when OpenBLAS or the user chose. */
interface NativeLoaded {
  backend: Backend;
  addon: NativeAddon;
  file: string;
  openblasCore: string | null;
}
/** Why native cannot load (`why`, one clause) and what to do about it (`fix`, one sentence), kept apart for the warning line. */
interface NativeMissing {
  error: NeuroblasError;
  why: string;
  fix: string;
}
let native: NativeLoaded | NativeMissing | undefined;

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

/** True when `file` is `dir` or inside it. */
function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The concrete way to get a native build: `npm rebuild` for an installed package, the build script in a clone. */
function buildFix(root: string): string {
  const installed = root.split(path.sep).includes('node_modules');
  const build = installed ? 'npm rebuild neuroblas' : 'npm run build:addon';
  return `To build for this machine: apt-get install libopenblas-dev g++ make python3 && ${build}`;
}

class Unavailable extends Error {}

/**
 * The addon file to load: NEUROBLAS_ADDON_PATH when set (a sanitizer or custom build; loaded as given), else what
 * node-gyp-build finds (build/Release, then prebuilds/). Anything that is not a build made in this package's
 * build/ is a prebuild, made elsewhere: it is checked against this machine first, so a mismatch is a sentence
 * here rather than a dlopen error or SIGILL.
 */
function locateAddon(root: string, require: NodeRequire): string {
  const override = process.env.NEUROBLAS_ADDON_PATH;
  if (override !== undefined && override !== '') {
    const file = path.resolve(override);
    if (!fs.existsSync(file)) throw new Unavailable(`NEUROBLAS_ADDON_PATH=${override} does not exist`);
    return file;
  }
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  let file: string;
  try {
    file = nodeGypBuild.resolve(root);
  } catch (e) {
    if (!/No native build was found/.test(firstLine(e))) throw e;
    const mismatch = prebuildMismatch();
    throw new Unavailable(mismatch ?? `no prebuild for ${process.platform}-${process.arch} and no build/Release in ${root}`);
  }
  if (!isInside(file, path.join(root, 'build'))) {
    const mismatch = prebuildMismatch();
    if (mismatch) throw new Unavailable(mismatch);
  }
  return file;
}

/**
 * Sets OPENBLAS_CORETYPE for the load when OpenBLAS's own kernel choice would crash on this CPU (host.ts,
 * safeOpenblasCore: a virtual AMD CPU without 3DNow!). OpenBLAS reads it once, in its constructor, when the addon
 * is loaded. Never overrides the user's OPENBLAS_CORETYPE. Returns the core set, or null.
 */
function guardOpenblasCore(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const user = process.env.OPENBLAS_CORETYPE;
  if (user !== undefined && user !== '') return null;
  const core = safeOpenblasCore(readCpuinfoHead());
  if (core) process.env.OPENBLAS_CORETYPE = core;
  return core;
}

function loadNative(): NativeLoaded | NativeMissing {
  if (native) return native;
  let root: string | undefined;
  try {
    const require = createRequire(import.meta.url);
    root = packageRoot();
    const file = locateAddon(root, require);
    const openblasCore = guardOpenblasCore();
    let addon: NativeAddon;
    try {
      addon = require(file) as NativeAddon;
    } finally {
      // Read by now; child processes and workers should not inherit a choice made for this process's load.
      if (openblasCore) delete process.env.OPENBLAS_CORETYPE;
    }
    addon.setErrorClass(NeuroblasError);
    native = { backend: checked(wrapAddon(addon)), addon, file: path.relative(root, file), openblasCore };
  } catch (e) {
    const why = firstLine(e);
    const fix = buildFix(root ?? '');
    native = { error: new NeuroblasError('ERR_BACKEND', `native backend unavailable: ${why}. ${fix}`, { cause: e }), why, fix };
  }
  return native;
}

/** The backend object by name; for `native`, the library's error saying why it cannot load. */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return js;
  if (name !== 'native') fail('ERR_INVALID_ARG', `getBackend: name must be 'js' or 'native', got ${JSON.stringify(name)}`);
  const n = loadNative();
  if ('error' in n) throw n.error;
  return n.backend;
}

/** True when the native addon can be loaded in this process. */
export function nativeAvailable(): boolean {
  return !('error' in loadNative());
}

interface Choice {
  backend: Backend;
  reason: string;
}
let choice: Choice | undefined;

function choose(): Choice {
  if (choice) return choice;
  const forced = process.env.NEUROBLAS_BACKEND;
  if (forced !== undefined && forced !== '' && forced !== 'js' && forced !== 'native') {
    fail('ERR_INVALID_ARG', `NEUROBLAS_BACKEND must be 'js' or 'native', got ${JSON.stringify(forced)}`);
  }
  choice = decide(forced);
  return choice;
}

function decide(forced: string | undefined): Choice {
  if (forced === 'js') return { backend: js, reason: 'NEUROBLAS_BACKEND=js' };
  const n = loadNative();
  if ('error' in n) {
    if (forced === 'native') throw new NeuroblasError('ERR_BACKEND', `NEUROBLAS_BACKEND=native but ${n.error.message}`, { cause: n.error });
    // One line, no stack: what failed, what happens instead, how to fix it.
    console.warn(`neuroblas: native backend unavailable: ${n.why}; using the js backend. ${n.fix}`);
    return { backend: js, reason: n.error.message };
  }
  const reason = forced === 'native' ? `NEUROBLAS_BACKEND=native (${n.file})` : `native addon loaded from ${n.file}`;
  return { backend: n.backend, reason };
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

/** The addon's OpenBLAS report; when the loader chose the kernels, the addon saw OPENBLAS_CORETYPE and says 'user'. */
function openblasInfo(n: NativeLoaded): OpenblasInfo {
  const info = n.addon.openblasInfo();
  return n.openblasCore ? { ...info, coreTypeSource: 'neuroblas' } : info;
}

export function backendInfo(): BackendInfo {
  const c = choose();
  const n = loadNative();
  return {
    backend: c.backend.name,
    reason: c.reason,
    threads: c.backend.getNumThreads(),
    openblas: 'error' in n ? null : openblasInfo(n),
    nativeError: 'error' in n ? n.error.message : null,
  };
}

/** Sets the kernel threads of the active backend (OpenBLAS threads for native). */
export function setNumThreads(n: number): void {
  activeBackend().setNumThreads(n);
}

export function getNumThreads(): number {
  return activeBackend().getNumThreads();
}
