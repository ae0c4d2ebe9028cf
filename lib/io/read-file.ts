/** Reading a file named by a user (a checkpoint, an ONNX model) without trusting what the path points at. */
import fs from 'node:fs';
import { describeFsError, NeuroblasError, fail } from '../errors.js';

/** What a file that is not a regular one is, for the message refusing it. */
function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * The bytes of a regular file. Opened non-blocking and checked with fstat on the same descriptor (no race with a
 * rename): a FIFO would block the open until a writer comes, and a device such as /dev/zero never ends. `what` names
 * the file's role in messages ("the checkpoint": `<path>: cannot read the checkpoint: no such file`).
 */
export function readRegularFile(path: string, what: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) fail('ERR_IO', `${path}: cannot read ${what} (not a regular file but ${fileKind(stat)})`);
    return fs.readFileSync(fd);
  } catch (e) {
    if (e instanceof NeuroblasError) throw e;
    throw new NeuroblasError('ERR_IO', `${path}: cannot read ${what}: ${describeFsError(e)}`, { cause: e });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
