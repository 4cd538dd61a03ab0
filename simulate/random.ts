/**
 * Seeded randomness for the simulated fleet: the same seed gives the same fleet, the same noise
 * and the same incidents, so a detection result can be reproduced and a test can rely on it.
 */

/** A small, fast 32-bit generator (mulberry32); good enough for simulation, not for secrets. */
export class Random {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`a random seed must be a finite number; got ${seed}: pass an integer such as 1`);
    this.state = Math.trunc(seed) >>> 0;
  }

  /** An independent stream for one purpose (one host, the incident plan), derived from a seed and labels. */
  static derive(seed: number, ...labels: (string | number)[]): Random {
    let hash = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    for (const char of labels.join('\u0000')) {
      hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    }
    return new Random(hash);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max]. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const u = 1 - this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Poisson count with the given mean (Knuth's method; the means used here are small). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}

/**
 * A mean-reverting noise process (discrete Ornstein-Uhlenbeck): smooth wander around 0 with the
 * given standard deviation and correlation time, correct for any (even irregular) time step.
 */
export class SmoothNoise {
  private value = 0;
  private lastTime: number | undefined;

  constructor(
    private readonly random: Random,
    private readonly sd: number,
    private readonly tauSeconds: number,
  ) {}

  at(timeMs: number): number {
    if (this.lastTime === undefined) {
      this.value = this.sd * this.random.normal();
    } else {
      const dt = Math.max(0, (timeMs - this.lastTime) / 1000);
      const keep = Math.exp(-dt / this.tauSeconds);
      this.value = keep * this.value + this.sd * Math.sqrt(1 - keep * keep) * this.random.normal();
    }
    this.lastTime = timeMs;
    return this.value;
  }
}
