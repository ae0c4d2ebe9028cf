/**
 * Reusable buffers for the training loop. A `Workspace` hands out a typed array per key and keeps it:
 * asking again for the same key and size returns the same array, and a smaller size (the last, short
 * batch of an epoch) returns a view of the same memory, cached per size. So after the first batch a
 * train step allocates no typed arrays. The price: what a key held last step is overwritten next step,
 * which is why only the training loop (not the public `forward`) uses workspaces.
 */
interface Slot<T> {
  buf: T;
  views: Map<number, T>;
}

type Typed = Float32Array | Uint8Array | Int32Array;

function take<T extends Typed>(slots: Map<string, Slot<T>>, key: string, n: number, make: (n: number) => T): T {
  let slot = slots.get(key);
  if (slot === undefined || slot.buf.length < n) {
    // Grow to exactly n: the first batch is normally the largest, so this happens once.
    slot = { buf: make(n), views: new Map() };
    slots.set(key, slot);
  }
  if (n === slot.buf.length) return slot.buf;
  let view = slot.views.get(n);
  if (view === undefined) {
    view = slot.buf.subarray(0, n) as T;
    slot.views.set(n, view);
  }
  return view;
}

export class Workspace {
  private readonly f32s = new Map<string, Slot<Float32Array>>();
  private readonly u8s = new Map<string, Slot<Uint8Array>>();
  private readonly i32s = new Map<string, Slot<Int32Array>>();

  /** A Float32Array of exactly n elements, the same memory every time for this key (contents not cleared). */
  f32(key: string, n: number): Float32Array {
    return take(this.f32s, key, n, (k) => new Float32Array(k));
  }

  u8(key: string, n: number): Uint8Array {
    return take(this.u8s, key, n, (k) => new Uint8Array(k));
  }

  i32(key: string, n: number): Int32Array {
    return take(this.i32s, key, n, (k) => new Int32Array(k));
  }

  /** Forgets every buffer (for instance after the batch size changed for good). */
  clear(): void {
    this.f32s.clear();
    this.u8s.clear();
    this.i32s.clear();
  }
}

/** A buffer from the workspace when there is one, else a fresh array the caller may keep. */
export function allocF32(ws: Workspace | undefined, key: string, n: number): Float32Array {
  return ws ? ws.f32(key, n) : new Float32Array(n);
}

export function allocU8(ws: Workspace | undefined, key: string, n: number): Uint8Array {
  return ws ? ws.u8(key, n) : new Uint8Array(n);
}

export function allocI32(ws: Workspace | undefined, key: string, n: number): Int32Array {
  return ws ? ws.i32(key, n) : new Int32Array(n);
}
