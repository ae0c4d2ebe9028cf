/**
 * The library's one error class. Every error neuroblas raises on purpose is a `NeuroblasError`
 * with a stable `code`, so callers can branch on `err.code` instead of parsing messages.
 * The native addon throws this same class (it is handed to the addon when it loads).
 */
export type ErrorCode =
  | 'ERR_INVALID_ARG' // wrong type, non-finite number, non-integer size, unknown option
  | 'ERR_SHAPE' // a buffer too short for the dimensions, or shapes that do not fit together
  | 'ERR_OVERFLOW' // a size or a product of sizes beyond what the kernels can address
  | 'ERR_ALIAS' // an output overlaps an input where the kernel does not allow it
  | 'ERR_DETACHED' // a typed array whose ArrayBuffer has been transferred or detached
  | 'ERR_LABEL' // a class label outside [0, classes)
  | 'ERR_BAD_DATA' // NaN or Inf in inputs, or a loss that became NaN
  | 'ERR_BACKEND' // the requested backend cannot be loaded or used
  | 'ERR_IO' // a file that is missing, truncated, corrupted or not ours
  | 'ERR_ABORTED' // training stopped by an AbortSignal
  | 'ERR_UNSUPPORTED'; // a valid file using what neuroblas cannot map (an ONNX operator or attribute), named in the message

export class NeuroblasError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NeuroblasError';
    this.code = code;
  }
}

/** What an fs error means for the file a message names, in words: "no such file", "permission denied", "is a directory", … */
export function describeFsError(e: unknown, verb: 'read' | 'write' = 'read'): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return verb === 'read' ? 'no such file' : 'no such directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return `cannot ${verb} (${code ?? (e instanceof Error ? e.message : String(e))})`;
  }
}

/** Throws a NeuroblasError; keeps call sites to one line. */
export function fail(code: ErrorCode, message: string): never {
  throw new NeuroblasError(code, message);
}
