/** The first bytes of a file, to tell what it holds (gzip or IDX, a CSV's header) without reading it all. */
import fs from 'node:fs';
import { describeFsError, NeuroblasError } from '../errors.js';

/** Up to `bytes` bytes from the start of `file` (fewer when it is shorter); ERR_IO naming the file when it cannot be read. */
export function readFileHead(file: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: ${describeFsError(e)}`, { cause: e });
  }
  try {
    const buf = Buffer.alloc(bytes);
    return buf.subarray(0, fs.readSync(fd, buf, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}
