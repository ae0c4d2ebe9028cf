/**
 * Replaces a file so that readers (and a later crash) see either the old file or the new one, never a
 * mixture: write `<path>.tmp-<pid>-<random>` in the same directory (rename is atomic only within one file
 * system), fsync it so its bytes are on disk before its name is, rename it over the target, then fsync the
 * directory so the rename itself survives a power cut. On any error the temporary file is removed and the
 * old file is untouched. A process killed mid-save can leave a `.tmp-` file behind, never a broken target; the next
 * write to the same target removes such leftovers of processes that no longer run (never a live process's: its write
 * may be in progress).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NeuroblasError, describeFsError } from '../errors.js';

export interface AtomicWriteOptions {
  /**
   * Called once the temporary file is written and synced, just before it replaces the target; whatever it
   * throws aborts the save like a failed write would. Tests use it to simulate a crash at the worst moment.
   */
  beforeRename?: (tempPath: string) => void;
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return String((e as Error)?.message ?? e);
  const words = describeFsError(e, 'write');
  return `${err.code}: ${words.startsWith('cannot') ? err.message : words}`;
}

/** fsync of a directory: makes a rename durable. Some file systems refuse it (EINVAL/EISDIR); the rename has happened regardless. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Durability of the directory entry is best effort; atomicity came from rename.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** True when process `pid` runs (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `<base>.tmp-<pid>-<12 hex>` files in `dir` left by processes that no longer run (killed mid-write: 250 kills
 * once left 69 files, 53 MB). This process's own are left alone too (another thread may be writing one). Best effort:
 * a file that cannot be listed or removed stays, and the write goes on.
 */
function removeStaleTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `${base}.tmp-`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d{1,10})-[0-9a-f]{12}$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || (pid > 0 && isRunning(pid))) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
    } catch {
      /* another writer removed it first, or it is not ours to remove */
    }
  }
}

/** Writes `bytes` to `target` atomically. `where` prefixes the ERR_IO message (e.g. 'saveModel'). */
export function writeFileAtomic(target: string, bytes: Uint8Array, where: string, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(target));
  removeStaleTemps(dir, path.basename(target));
  const temp = path.join(dir, `${path.basename(target)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  let stage = 'create a temporary file next to';
  try {
    fd = fs.openSync(temp, 'wx', 0o644); // 'x': never clobber someone else's temporary file
    stage = 'write';
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    stage = 'sync';
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    stage = 'finish saving';
    options.beforeRename?.(temp);
    stage = 'rename the temporary file over';
    fs.renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; the original error is the one to report */
      }
    }
    try {
      fs.unlinkSync(temp);
    } catch {
      /* it may not exist (open failed) */
    }
    if (e instanceof NeuroblasError) throw e;
    throw new NeuroblasError('ERR_IO', `${where}: cannot ${stage} ${target} (${describe(e)}); the previous file, if any, is unchanged`, {
      cause: e,
    });
  }
  syncDirectory(dir);
}
