/**
 * The check the loader runs before loading a prebuild (lib/backend/host.ts) on made-up machines, and the loader's
 * one-line warning when native cannot load, in a fresh process. The end-to-end checks on an installed tarball
 * are test/install/pack-install.sh (.ci/run).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PREBUILD_TARGET,
  currentHost,
  describeTarget,
  parseCpuFlags,
  parseCpuIdentity,
  prebuildMismatch,
  readCpuinfoHead,
  safeOpenblasCore,
  versionBelow,
  type Host,
  type PrebuildTarget,
} from '../../lib/backend/host.js';
import { addonFile, repoRoot } from '../helpers/addon.js';

/** A host whose CPU flags must not be read unless the target needs some. */
function host(platform: string, arch: string, glibc: string | null, flags?: string[]): Host {
  return {
    platform,
    arch,
    glibc,
    cpuFlags: () => {
      if (!flags) throw new Error('cpuFlags read although the target needs none');
      return new Set(flags);
    },
  };
}

const avx2Target: PrebuildTarget = { ...PREBUILD_TARGET, cpuFlags: ['avx2', 'fma'] };

describe('prebuildMismatch', () => {
  it('accepts linux-x64 with glibc at or above the floor, without reading /proc/cpuinfo', () => {
    expect(prebuildMismatch(host('linux', 'x64', PREBUILD_TARGET.glibcFloor))).toBeNull();
    expect(prebuildMismatch(host('linux', 'x64', '2.36'))).toBeNull();
    expect(prebuildMismatch(host('linux', 'x64', '3.0'))).toBeNull();
  });

  it('names the prebuild target and this machine for another architecture or platform', () => {
    expect(prebuildMismatch(host('linux', 'arm64', '2.36'))).toBe(
      `prebuild is for linux-x64 (glibc ≥ ${PREBUILD_TARGET.glibcFloor}), this is linux-arm64`,
    );
    expect(prebuildMismatch(host('darwin', 'x64', null))).toMatch(/this is darwin-x64$/);
    expect(prebuildMismatch(host('win32', 'x64', null))).toMatch(/this is win32-x64$/);
  });

  it('refuses an older glibc and a libc that is not glibc', () => {
    expect(prebuildMismatch(host('linux', 'x64', '2.31'))).toMatch(/this has glibc 2\.31$/);
    expect(prebuildMismatch(host('linux', 'x64', '2.9'))).toMatch(/this has glibc 2\.9$/); // 2.9 < 2.34, not '2.9' > '2.34'
    expect(prebuildMismatch(host('linux', 'x64', null))).toMatch(/no glibc \(musl\?\)/);
  });

  it('reads the CPU flags only for a target that needs some, and names the missing ones', () => {
    expect(prebuildMismatch(host('linux', 'x64', '2.36', ['sse2', 'avx', 'avx2', 'fma']), avx2Target)).toBeNull();
    expect(prebuildMismatch(host('linux', 'x64', '2.36', ['sse2', 'avx']), avx2Target)).toMatch(/this CPU lacks avx2 fma$/);
    expect(describeTarget(avx2Target)).toBe(`linux-x64 (glibc ≥ ${PREBUILD_TARGET.glibcFloor}, CPU with avx2 fma)`);
  });

  it('accepts this machine (CI builds and runs the prebuild here)', () => {
    const here = currentHost();
    expect(here.glibc).toMatch(/^\d+\.\d+/);
    expect(prebuildMismatch(here)).toBeNull();
  });
});

describe('version and cpuinfo parsing', () => {
  it('compares versions part by part as numbers', () => {
    expect(versionBelow('2.31', '2.34')).toBe(true);
    expect(versionBelow('2.9', '2.34')).toBe(true);
    expect(versionBelow('2.34', '2.34')).toBe(false);
    expect(versionBelow('2.34.1', '2.34')).toBe(false);
    expect(versionBelow('2', '2.1')).toBe(true);
    expect(versionBelow('3.0', '2.34')).toBe(false);
  });

  it('reads the flags line of /proc/cpuinfo text', () => {
    const text =
      'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse sse2 avx2\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu\n';
    expect([...parseCpuFlags(text)]).toEqual(['fpu', 'sse', 'sse2', 'avx2']);
    expect(parseCpuFlags('').size).toBe(0);
  });
});

/** A /proc/cpuinfo processor block. */
function cpuinfo(vendor: string, family: number, flags: string): string {
  return `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: 107\nflags\t\t: ${flags}\n\nprocessor\t: 1\n`;
}

describe('safeOpenblasCore: the kernel set forced where OpenBLAS would pick its 3DNow! (Opteron) kernels', () => {
  const base = 'fpu tsc cx8 cmov mmx fxsr sse sse2 syscall nx lm';
  it("QEMU's virtual AMD family-15 CPU without 3DNow! gets the best Intel kernel set its flags allow", () => {
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} pni ssse3 fma cx16 sse4_1 sse4_2 popcnt avx avx2 hypervisor`))).toBe(
      'Haswell',
    );
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} pni ssse3 sse4_1 sse4_2 popcnt avx`))).toBe('Sandybridge');
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} pni ssse3 sse4_1 sse4_2 popcnt`))).toBe('Nehalem');
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} pni ssse3`))).toBe('Core2');
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} pni cx16 lahf_lm sse4a`))).toBe('Prescott'); // qemu64
  });

  it("leaves OpenBLAS's choice alone everywhere else", () => {
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, `${base} 3dnowext 3dnow pni`))).toBeNull(); // a real K8 Opteron
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 15, base))).toBeNull(); // no SSE3 either: nothing fits better
    expect(safeOpenblasCore(cpuinfo('AuthenticAMD', 25, `${base} pni ssse3 avx avx2 fma`))).toBeNull(); // Zen 3
    expect(safeOpenblasCore(cpuinfo('GenuineIntel', 15, `${base} pni`))).toBeNull(); // Intel family 15: Prescott already
    expect(safeOpenblasCore(cpuinfo('GenuineIntel', 6, `${base} pni avx2 fma`))).toBeNull();
    expect(safeOpenblasCore('')).toBeNull();
  });

  it('reads vendor, family and flags of the first processor of this machine', () => {
    const id = parseCpuIdentity(readCpuinfoHead());
    expect(id.vendor).toMatch(/^(GenuineIntel|AuthenticAMD|HygonGenuine|CentaurHauls|\S+)$/);
    expect(Number.isInteger(id.family) && id.family > 0).toBe(true);
    expect(id.flags.has('sse2')).toBe(true);
  });
});

/** A fresh process's backendInfo() (or error) and its stderr, with `env` added. */
/** What test/helpers/print-backend.ts prints: backendInfo(), or the error that getting it threw. */
interface Printed {
  info: Record<string, unknown>;
  error: { message: string } & Record<string, unknown>;
}

function child(env: Record<string, string>): { out: Printed; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'print-backend.ts')], {
    cwd: repoRoot,
    env: { ...process.env, NEUROBLAS_BACKEND: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr };
}

describe('the loader when the addon cannot load (NEUROBLAS_ADDON_PATH to a missing file)', () => {
  const missing = path.join(repoRoot, 'build', 'no-such-addon.node');

  it('falls back to js with one warning line: why, what instead, the concrete fix; backendInfo says the same', () => {
    const { out, stderr } = child({ NEUROBLAS_ADDON_PATH: missing });
    expect(out.info.backend).toBe('js');
    expect(out.info.openblas).toBeNull();
    expect(out.info.nativeError).toMatch(
      new RegExp(
        String.raw`^native backend unavailable: NEUROBLAS_ADDON_PATH=.*no-such-addon\.node does not exist\. ` +
          String.raw`To build for this machine: apt-get install libopenblas-dev g\+\+ make python3 && npm run build:addon$`,
      ),
    );
    expect(out.info.reason).toBe(out.info.nativeError);
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        String.raw`^neuroblas: native backend unavailable: NEUROBLAS_ADDON_PATH=.* does not exist; using the js backend\. ` +
          'To build for this machine: .*npm run build:addon$',
      ),
    );
  });

  it('is an ERR_BACKEND error saying why when NEUROBLAS_BACKEND=native forces it', () => {
    const { out } = child({ NEUROBLAS_ADDON_PATH: missing, NEUROBLAS_BACKEND: 'native' });
    expect(out.error).toMatchObject({ isNeuroblasError: true, code: 'ERR_BACKEND' });
    expect(out.error.message).toMatch(/^NEUROBLAS_BACKEND=native but native backend unavailable: NEUROBLAS_ADDON_PATH=/);
  });

  it('loads the file NEUROBLAS_ADDON_PATH names and says so', () => {
    const { out } = child({ NEUROBLAS_ADDON_PATH: addonFile });
    expect(out.info.backend).toBe('native');
    expect(out.info.reason).toBe(`native addon loaded from ${path.relative(repoRoot, addonFile)}`);
  });
});
