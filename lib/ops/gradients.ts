/**
 * Where a fused backward kernel (denseBackward, conv2dBackward) writes the gradients it computes.
 *
 * Such a kernel writes each gradient output with a beta: its weight and bias gradients with one shared beta
 * (0 overwrites, 1 adds), its input gradient always with 0. Each tensor's gradient, in turn, must be
 * overwritten when it is still pending (claimGrad: nothing was written to it yet in this pass) and added to
 * otherwise (a parameter accumulating across passes, a tensor used twice). One rule reconciles the two:
 *
 * - they agree: the kernel writes straight into t.grad;
 * - the kernel adds but t.grad is to be overwritten: t.grad is zeroed first (0 + g is g, bit for bit);
 * - the kernel overwrites but t.grad holds a value: the kernel writes into a scratch buffer, which `finish()`
 *   adds to t.grad with one axpy.
 *
 * The shared beta is the weight's own (0 when its gradient is pending, 1 otherwise), so the weight gradient
 * is always written directly; only a bias or input gradient ever needs the zeroing or the scratch (a frozen
 * or shared parameter, an input used twice).
 */
import type { Backend } from '../backend/contract.js';
import { claimGrad } from '../graph.js';
import type { Tensor } from '../tensor.js';

const NO_WEIGHT = new Float32Array(0);

export class KernelGrads {
  /** The beta the kernel applies to the weight and bias gradients. */
  readonly beta: 0 | 1;
  /** The weight gradient buffer: weight.grad, or `unused()` for a frozen weight (the kernel computes it anyway). */
  readonly dWeight: Float32Array;
  private readonly scratchAdds: { scratch: Float32Array; grad: Float32Array; n: number }[] = [];

  /** With no weight (a kernel whose every gradient output is overwritten, such as batch norm's): beta 0, no dWeight. */
  constructor(
    private readonly be: Backend,
    weight: Tensor | null,
    unused: () => Float32Array = () => NO_WEIGHT,
  ) {
    if (weight?.requiresGrad) {
      this.beta = claimGrad(weight) ? 0 : 1;
      this.dWeight = weight.grad!;
    } else {
      this.beta = 0;
      this.dWeight = unused();
    }
  }

  /** The buffer for t's gradient when the kernel writes it with the shared beta (a bias); null when t needs none. */
  shared(t: Tensor | null, scratch: () => Float32Array): Float32Array | null {
    return this.target(t, this.beta, scratch);
  }

  /** The buffer for t's gradient when the kernel overwrites it (an input); null when t needs none. */
  overwritten(t: Tensor | null, scratch: () => Float32Array): Float32Array | null {
    return this.target(t, 0, scratch);
  }

  /** After the kernel ran: adds what it wrote into scratch buffers to the gradients they stand for. */
  finish(): void {
    for (const { scratch, grad, n } of this.scratchAdds) this.be.axpy(n, 1, scratch, grad);
  }

  private target(t: Tensor | null, beta: 0 | 1, scratch: () => Float32Array): Float32Array | null {
    if (t === null || !t.requiresGrad) return null;
    const overwrite = claimGrad(t);
    if (overwrite && beta === 1) this.be.fill(t.size, 0, t.grad!);
    if (overwrite || beta === 1) return t.grad!;
    const s = scratch();
    this.scratchAdds.push({ scratch: s, grad: t.grad!, n: t.size });
    return s;
  }
}
