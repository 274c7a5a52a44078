// Small fast deterministic PRNG for the generators (mulberry32: 32-bit state, one multiply-mix
// per draw). `reseed` makes a stream a pure function of (seed, key), e.g. a Nexmark event id.

export class Rng {
  private s: number;

  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  /** Restart from a state mixed from `seed` and `key` (integers; key may exceed 2^32). */
  reseed(seed: number, key: number): void {
    const lo = key >>> 0;
    const hi = Math.floor(key / 4294967296) >>> 0;
    let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ lo;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ hi;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.s = (h ^ (h >>> 16)) >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  nextDouble(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) for n >= 1 (n up to 2^53; bias negligible for the sizes used). */
  nextInt(n: number): number {
    if (n <= 4294967296) return Math.floor(this.nextDouble() * n);
    return Math.floor((this.nextU32() * 4294967296 + this.nextU32()) / 18446744073709551616 * n);
  }
}
