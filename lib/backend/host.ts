/**
 * Can this machine run the prebuilt addon? Checked by the loader before it loads a prebuild, because native
 * code built for another machine does not fail politely: the wrong architecture or an older glibc is at best
 * a dlopen error naming a file or a symbol version, and an instruction the CPU lacks is 'Illegal instruction',
 * which kills the process with no chance to fall back to the js backend.
 *
 * A build from source (build/Release) is made on the machine that runs it and is not checked.
 *
 * Also here: the one CPU where OpenBLAS's run-time kernel choice itself crashes (safeOpenblasCore), which the
 * loader corrects for any build before loading it.
 */
import fs from 'node:fs';

export interface PrebuildTarget {
  platform: string;
  arch: string;
  glibcFloor: string;
  cpuFlags: readonly string[];
}

/** What the shipped prebuild (prebuilds/linux-x64/) needs. scripts/prebuild.sh checks the built file against it. */
export const PREBUILD_TARGET: PrebuildTarget = {
  platform: 'linux',
  arch: 'x64',
  /** The newest GLIBC_x.y symbol version the .node imports (pthread_* moved into libc in 2.34). */
  glibcFloor: '2.34',
  /**
   * /proc/cpuinfo flags the prebuild's own code needs. None: it is compiled for baseline x86-64 (SSE2 is part
   * of x86-64) and OpenBLAS picks its kernels for the CPU at run time (DYNAMIC_ARCH). A flag listed here (after
   * adding, say, -mavx2 to binding.gyp) makes the loader read /proc/cpuinfo and refuse CPUs without it.
   */
  cpuFlags: [],
};

/** The facts about this process the check needs; tests pass made-up ones. */
export interface Host {
  platform: string;
  arch: string;
  /** The glibc version (e.g. '2.36'), or null on a libc that is not glibc (musl). */
  glibc: string | null;
  /** The CPU's flags, read lazily: only when the target needs some. */
  cpuFlags: () => ReadonlySet<string>;
}

/** Flags of the first processor in /proc/cpuinfo text (all cores of a machine report the same). */
export function parseCpuFlags(cpuinfo: string): Set<string> {
  const line = cpuinfo.split('\n').find((l) => /^flags\s*:/.test(l));
  return new Set(
    line
      ? line
          .replace(/^flags\s*:/, '')
          .trim()
          .split(/\s+/)
      : [],
  );
}

function glibcVersion(): string | null {
  if (process.platform !== 'linux') return null;
  // The report header has glibcVersionRuntime only when node runs on glibc (it is absent on musl).
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/** This process's platform, architecture, glibc and (lazily) CPU flags. */
export function currentHost(): Host {
  let flags: Set<string> | undefined;
  return {
    platform: process.platform,
    arch: process.arch,
    glibc: glibcVersion(),
    cpuFlags: () => (flags ??= parseCpuFlags(readCpuinfoHead())),
  };
}

/** True when version a ('2.31') is older than b ('2.34'), comparing numerically part by part. */
export function versionBelow(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/** The target as people read it: 'linux-x64 (glibc ≥ 2.34)'. */
export function describeTarget(target: PrebuildTarget = PREBUILD_TARGET): string {
  const flags = target.cpuFlags.length > 0 ? `, CPU with ${target.cpuFlags.join(' ')}` : '';
  return `${target.platform}-${target.arch} (glibc ≥ ${target.glibcFloor}${flags})`;
}

/**
 * Why the prebuild cannot run on `host`, as one clause ('prebuild is for linux-x64 (glibc ≥ 2.34), this is
 * linux-arm64'), or null when it can.
 */
export function prebuildMismatch(host: Host = currentHost(), target: PrebuildTarget = PREBUILD_TARGET): string | null {
  const wanted = `prebuild is for ${describeTarget(target)}`;
  if (host.platform !== target.platform || host.arch !== target.arch) return `${wanted}, this is ${host.platform}-${host.arch}`;
  if (host.glibc === null) return `${wanted}, this ${host.platform}-${host.arch} has no glibc (musl?)`;
  if (versionBelow(host.glibc, target.glibcFloor)) return `${wanted}, this has glibc ${host.glibc}`;
  if (target.cpuFlags.length > 0) {
    const have = host.cpuFlags();
    const missing = target.cpuFlags.filter((f) => !have.has(f));
    if (missing.length > 0) return `${wanted}, this CPU lacks ${missing.join(' ')}`;
  }
  return null;
}

/** vendor_id, cpu family and flags of the first processor in /proc/cpuinfo text. */
export function parseCpuIdentity(cpuinfo: string): { vendor: string; family: number; flags: Set<string> } {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1].trim() ?? '';
  return { vendor: field('vendor_id'), family: Number(field('cpu family')), flags: parseCpuFlags(cpuinfo) };
}

/**
 * The OpenBLAS kernel set to force on a CPU where OpenBLAS's own choice would crash, or null. OpenBLAS (0.3.21,
 * the one linked in) maps every AMD 'family 15' CPU to its Opteron kernels, which use 3DNow! (femms). Real K8
 * Opterons have 3DNow!, but QEMU's default virtual CPU (qemu64: 'AuthenticAMD', family 15, on any host) does not,
 * and no AMD CPU since 2011 does: a VM with that CPU model dies with 'Illegal instruction' on the first sgemm
 * (OpenBLAS issues #5831, #113). There we pick the best Intel kernel set the CPU's flags allow instead.
 */
export function safeOpenblasCore(cpuinfo: string): string | null {
  const { vendor, family, flags } = parseCpuIdentity(cpuinfo);
  if (vendor !== 'AuthenticAMD' || family !== 15 || flags.has('3dnow')) return null;
  const all = (...names: string[]) => names.every((f) => flags.has(f));
  if (all('avx2', 'fma')) return 'Haswell';
  if (all('avx')) return 'Sandybridge';
  if (all('sse4_2', 'popcnt')) return 'Nehalem';
  if (all('ssse3')) return 'Core2';
  if (all('pni')) return 'Prescott';
  return null; // no SSE3 and no 3DNow!: no kernel set of this OpenBLAS fits; leave its choice alone
}

/** The first processor's block of /proc/cpuinfo (the whole file is long on many-core machines), or '' when unreadable. */
export function readCpuinfoHead(): string {
  try {
    const fd = fs.openSync('/proc/cpuinfo', 'r');
    try {
      const buf = Buffer.alloc(16384);
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      return buf.toString('utf8', 0, n).split('\n\n')[0];
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
