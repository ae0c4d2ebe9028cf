/**
 * Replaces a file so that readers (and a later crash) see either the old file or the new one, never a
 * mixture: write `<path>.tmp-<pid>-<random>` in the same directory (rename is atomic only within one file
 * system), fsync it so its bytes are on disk before its name is, rename it over the target, then fsync the
 * directory so the rename itself survives a power cut. On any error the temporary file is removed and the
 * old file is untouched. A process killed mid-save can leave a `.tmp-` file behind, never a broken target.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NeuroblasError } from '../errors.js';

export interface AtomicWriteOptions {
  /**
   * Called once the temporary file is written and synced, just before it replaces the target; whatever it
   * throws aborts the save like a failed write would. Tests use it to simulate a crash at the worst moment.
   */
  beforeRename?: (tempPath: string) => void;
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : String((e as Error)?.message ?? e);
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

/** Writes `bytes` to `target` atomically. `where` prefixes the ERR_IO message (e.g. 'saveModel'). */
export function writeFileAtomic(target: string, bytes: Uint8Array, where: string, options: AtomicWriteOptions = {}): void {
  const dir = path.dirname(path.resolve(target));
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
