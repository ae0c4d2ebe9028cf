/**
 * Typed arrays on shared memory. `fit` trains in a worker thread (lib/train/worker/): whatever is already
 * on a SharedArrayBuffer (datasets, a model's weights, an optimizer's state buffers) reaches the worker without a
 * copy, and the worker's updates are visible on the caller's thread as they happen. Allocating them here from
 * the start matters for a server: a copy at the start of fit is a stretch of the caller's event loop (a 2 MB
 * model costs ~6 ms of page faults and copying; Fashion-MNIST's 188 MB about half a second). Everything else
 * treats these as ordinary typed arrays.
 */
export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * Int32Array.BYTES_PER_ELEMENT));
}

export function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

export function isShared(a: ArrayBufferView): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** A copy of `a` on shared memory. */
export function sharedCopy(a: Float32Array): Float32Array {
  const copy = sharedFloat32(a.length);
  copy.set(a);
  return copy;
}

/** `a` itself when it is on shared memory, else a shared copy of it. */
export function toSharedFloat32(a: Float32Array): Float32Array {
  return isShared(a) ? a : sharedCopy(a);
}
