/**
 * PyTorch 1.13's optimizer update rules in float64, written from the spec, holding their own state, so
 * the backends can be checked over several steps with every option (the reference file covers defaults).
 */
import type { AdagradOptions, AdamOptions, RmspropOptions, SgdOptions } from '../../lib/index.js';

export class Sgd64 {
  buf: Float64Array;
  step = 0;
  constructor(
    readonly p: Float64Array,
    readonly o: SgdOptions,
  ) {
    this.buf = new Float64Array(p.length);
  }
  update(grad: ArrayLike<number>): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = this.o;
    this.step++;
    for (let i = 0; i < this.p.length; i++) {
      let g = grad[i] + weightDecay * this.p[i];
      if (momentum !== 0) {
        this.buf[i] = this.step === 1 ? g : momentum * this.buf[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * this.buf[i] : this.buf[i];
      }
      this.p[i] -= lr * g;
    }
  }
}

export class Adam64 {
  m: Float64Array;
  v: Float64Array;
  vMax: Float64Array;
  step = 0;
  constructor(
    readonly p: Float64Array,
    readonly o: AdamOptions,
  ) {
    this.m = new Float64Array(p.length);
    this.v = new Float64Array(p.length);
    this.vMax = new Float64Array(p.length);
  }
  update(grad: ArrayLike<number>): void {
    const { lr, beta1, beta2, eps, weightDecay, decoupled, amsgrad } = this.o;
    this.step++;
    const bc1 = 1 - beta1 ** this.step,
      bc2 = 1 - beta2 ** this.step;
    for (let i = 0; i < this.p.length; i++) {
      let g = grad[i];
      if (decoupled) this.p[i] *= 1 - lr * weightDecay;
      else g += weightDecay * this.p[i];
      this.m[i] = beta1 * this.m[i] + (1 - beta1) * g;
      this.v[i] = beta2 * this.v[i] + (1 - beta2) * g * g;
      let v = this.v[i];
      if (amsgrad) {
        this.vMax[i] = Math.max(this.vMax[i], v);
        v = this.vMax[i];
      }
      const denom = Math.sqrt(v) / Math.sqrt(bc2) + eps;
      this.p[i] -= (lr / bc1) * (this.m[i] / denom);
    }
  }
}

export class Rmsprop64 {
  sq: Float64Array;
  ga: Float64Array;
  buf: Float64Array;
  constructor(
    readonly p: Float64Array,
    readonly o: RmspropOptions,
  ) {
    this.sq = new Float64Array(p.length);
    this.ga = new Float64Array(p.length);
    this.buf = new Float64Array(p.length);
  }
  update(grad: ArrayLike<number>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = this.o;
    for (let i = 0; i < this.p.length; i++) {
      const g = grad[i] + weightDecay * this.p[i];
      this.sq[i] = alpha * this.sq[i] + (1 - alpha) * g * g;
      let avg: number;
      if (centered) {
        this.ga[i] = alpha * this.ga[i] + (1 - alpha) * g;
        avg = Math.sqrt(this.sq[i] - this.ga[i] * this.ga[i]) + eps;
      } else avg = Math.sqrt(this.sq[i]) + eps;
      if (momentum > 0) {
        this.buf[i] = momentum * this.buf[i] + g / avg;
        this.p[i] -= lr * this.buf[i];
      } else this.p[i] -= (lr * g) / avg;
    }
  }
}

export class Adagrad64 {
  sum: Float64Array;
  step = 0;
  constructor(
    readonly p: Float64Array,
    readonly o: AdagradOptions,
  ) {
    this.sum = new Float64Array(p.length);
  }
  update(grad: ArrayLike<number>): void {
    const { lr, lrDecay, weightDecay, eps } = this.o;
    this.step++;
    const clr = lr / (1 + (this.step - 1) * lrDecay);
    for (let i = 0; i < this.p.length; i++) {
      const g = grad[i] + weightDecay * this.p[i];
      this.sum[i] += g * g;
      this.p[i] -= (clr * g) / (Math.sqrt(this.sum[i]) + eps);
    }
  }
}
