/**
 * Grow-only Float64Array scratch for kernels that need working space. Kernels must not allocate per
 * call, so each user keeps one `Scratch` at module level; it reallocates only when a call needs more
 * than any earlier call did, which settles after the first batch of a training run.
 */
export class Scratch {
  private buf = new Float64Array(0);

  /** A buffer holding at least `n` doubles (contents unspecified; may be longer). */
  get(n: number): Float64Array {
    if (this.buf.length < n) {
      // Round up so a slowly growing size does not reallocate on every call.
      this.buf = new Float64Array(Math.max(n, Math.ceil(this.buf.length * 1.5), 64));
    }
    return this.buf;
  }
}
