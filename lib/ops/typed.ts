/**
 * Typed-array tests by tag rather than instanceof, so arrays from another realm (vm, workers) are
 * accepted too, as the kernel checks (lib/backend/validate.ts) accept them.
 */
export function isFloat32Array(v: unknown): v is Float32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float32Array]';
}

export function isInt32Array(v: unknown): v is Int32Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Int32Array]';
}
