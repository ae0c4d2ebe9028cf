/** The loader: getBackend by name, backendInfo(), NEUROBLAS_BACKEND in a fresh process, thread control. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendInfo, getBackend, getNumThreads, setNumThreads, type BackendInfo, type BackendName } from '../../lib/index.js';
import { repoRoot } from '../helpers/addon.js';
import { backendNames } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

const withNative = backendNames.includes('native');

/** backendInfo() (or the error) of a fresh `node --import tsx` process with NEUROBLAS_BACKEND set to `value`. */
function childChoice(value: string): { info?: BackendInfo; error?: { isNeuroblasError: boolean; code: string; message: string } } {
  const env = { ...process.env, NEUROBLAS_BACKEND: value };
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'print-backend.ts')], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('getBackend', () => {
  it.each(backendNames)('getBackend(%s) returns an object of that name, the same one each time', (name) => {
    const b = getBackend(name as BackendName);
    expect(b.name).toBe(name);
    expect(getBackend(name as BackendName)).toBe(b);
  });

  it.each(['bogus', '', 'JS', null, 1])('getBackend(%s) is ERR_INVALID_ARG', (name) => {
    expectError(() => getBackend(name as unknown as BackendName), 'ERR_INVALID_ARG');
  });
});

describe('backendInfo', () => {
  it('reports the chosen backend, why, its threads and the OpenBLAS configuration', () => {
    const info = backendInfo();
    expect(['js', 'native']).toContain(info.backend);
    expect(typeof info.reason).toBe('string');
    expect(info.reason.length).toBeGreaterThan(0);
    expect(Number.isInteger(info.threads) && info.threads >= 1).toBe(true);
    if (withNative) {
      expect(info.nativeError, 'the native addon must load').toBeNull();
      expect(info.openblas).not.toBeNull();
      const ob = info.openblas!;
      expect(typeof ob.config).toBe('string');
      expect(ob.config).toMatch(/OpenBLAS/i);
      expect(typeof ob.coreName).toBe('string');
      expect(ob.coreName.length).toBeGreaterThan(0);
      expect(['user', 'neuroblas', 'openblas']).toContain(ob.coreTypeSource);
      expect(Number.isInteger(ob.threads) && ob.threads >= 1).toBe(true);
      if (process.env.NEUROBLAS_BACKEND !== 'js') expect(info.backend).toBe('native');
    }
  });
});

describe('NEUROBLAS_BACKEND in a child process', () => {
  it('=js chooses js and says so', () => {
    const r = childChoice('js');
    expect(r.error).toBeUndefined();
    expect(r.info!.backend).toBe('js');
    expect(r.info!.reason).toMatch(/NEUROBLAS_BACKEND=js/);
    expect(r.info!.threads).toBe(1);
  });

  it.skipIf(!withNative)('=native chooses native', () => {
    const r = childChoice('native');
    expect(r.error).toBeUndefined();
    expect(r.info!.backend).toBe('native');
    expect(r.info!.reason).toMatch(/NEUROBLAS_BACKEND=native/);
    expect(r.info!.openblas).not.toBeNull();
  });

  it('unset (empty) chooses native when the addon loads', () => {
    const r = childChoice('');
    expect(r.error).toBeUndefined();
    expect(['js', 'native']).toContain(r.info!.backend);
    if (withNative) expect(r.info!.backend).toBe('native');
  });

  it('=bogus is a NeuroblasError ERR_INVALID_ARG naming the variable', () => {
    const r = childChoice('bogus');
    expect(r.info).toBeUndefined();
    expect(r.error!.isNeuroblasError).toBe(true);
    expect(r.error!.code).toBe('ERR_INVALID_ARG');
    expect(r.error!.message).toMatch(/NEUROBLAS_BACKEND/);
  });
});

describe.skipIf(!withNative)('native thread control', () => {
  it('setNumThreads / getNumThreads round-trip on the native backend and through the package functions', () => {
    const b = getBackend('native');
    const before = b.getNumThreads();
    try {
      for (const n of [1, 2, 1]) {
        b.setNumThreads(n);
        expect(b.getNumThreads()).toBe(n);
      }
      if (backendInfo().backend === 'native') {
        setNumThreads(2);
        expect(getNumThreads()).toBe(2);
        expect(backendInfo().threads).toBe(2);
        expect(backendInfo().openblas!.threads).toBe(2);
      }
    } finally {
      b.setNumThreads(before);
    }
  });
});
