/**
 * The one seeded random generator. Every initializer, every dropout seed and every shuffle draws from
 * `defaultRandom` (unless given another `Random`), so `manualSeed(s)` makes a whole run repeat exactly.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 128 bits of state, seeded through splitmix32 so that
 * nearby seeds (1, 2, 3…) give unrelated streams. It is small, fast with Math.imul, and well tested.
 * Like PyTorch, the default generator starts from a fixed seed: a program that never seeds still
 * behaves the same on every run.
 */
import { fail } from './errors.js';

export const DEFAULT_SEED = 5489;

/** splitmix32: expands one 32-bit value into well-mixed state words. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) >>> 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export interface RandomState {
  s: [number, number, number, number];
  spare: number | null;
}

export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** Box–Muller makes normals in pairs; the second one waits here. */
  private spare: number | null = null;

  constructor(seed: number = DEFAULT_SEED) {
    this.seed(seed);
  }

  /** Restarts the stream. Any integer in [0, 2^53) is a distinct seed. */
  seed(seed: number): void {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > Number.MAX_SAFE_INTEGER) {
      fail('ERR_INVALID_ARG', `manualSeed: seed must be an integer in [0, 2^53), got ${String(seed)}`);
    }
    // Fold both halves of the seed in, so seeds above 2^32 are not aliases of smaller ones.
    const st = { x: (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x6c8e9cf5) };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    // xoshiro must not start from the all-zero state (it would stay there).
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spare = null;
  }

  /** A uniform integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** A normal draw by Box–Muller (the pair's second value is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return mean + std * z;
    }
    const u1 = 1 - this.random(); // (0, 1]: log(u1) is finite
    const u2 = this.random();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) fail('ERR_INVALID_ARG', `Random.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /**
   * out[i] = uniform(low, high), the same stream as calling it out.length times, ~5× faster: the generator's
   * state is kept in int32 locals for the loop (the fields hold uint32 values, which V8 stores as boxed doubles),
   * so initializing a model's weights is a short stretch even on a server's event loop.
   */
  fillUniform(out: Float32Array, low = 0, high = 1): Float32Array {
    let s0 = this.s0 | 0,
      s1 = this.s1 | 0,
      s2 = this.s2 | 0,
      s3 = this.s3 | 0;
    for (let i = 0; i < out.length; i++) {
      // Two xoshiro128** steps, exactly as nextUint32 (int32 bit patterns instead of uint32 values).
      let m = Math.imul(s1, 5);
      const hi = Math.imul((m << 7) | (m >>> 25), 9) >>> 5; // 27 bits
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      m = Math.imul(s1, 5);
      const lo = Math.imul((m << 7) | (m >>> 25), 9) >>> 6; // 26 bits
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = low + (high - low) * ((hi * 67108864 + lo) / 9007199254740992);
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    return out;
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Snapshot and restore, for checkpoints that must resume the same stream. */
  getState(): RandomState {
    return { s: [this.s0, this.s1, this.s2, this.s3], spare: this.spare };
  }

  setState(state: RandomState): void {
    [this.s0, this.s1, this.s2, this.s3] = state.s.map((v) => v >>> 0) as [number, number, number, number];
    this.spare = state.spare;
  }
}

/** The generator the whole library draws from. */
export const defaultRandom = new Random(DEFAULT_SEED);

/** Seeds the library's generator (PyTorch's torch.manual_seed): the same seed gives the same run. */
export function manualSeed(seed: number): void {
  defaultRandom.seed(seed);
}
