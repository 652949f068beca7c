/**
 * Deterministic, allocation-free randomness. Records are generated from (seed, index) on demand, so
 * every draw must be a pure function of its inputs: no shared mutable generator state.
 */

/** FNV-1a: turns a textual seed into 32 bits. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3 finaliser: cheap avalanche so neighbouring indexes get unrelated streams. */
export function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function seedToInt(seed: string | number): number {
  return typeof seed === 'number' && Number.isInteger(seed) ? mix32(seed ^ 0x5bd1e995) : hashString(String(seed));
}

/** One uniform draw in [0, 1) for (seed, a, b) without building a generator. */
export function unitHash(seed: number, a: number, b = 0): number {
  const h = mix32(seed ^ mix32(Math.imul(a | 0, 0x9e3779b1) ^ mix32((b | 0) + 0x632be5ab) ^ Math.floor(a / 4294967296)));
  return h / 4294967296;
}

/** mulberry32 stream, seeded per record so a record's fields never depend on other records. */
export class Rng {
  private state: number;

  constructor(seed: number, index: number, salt = 0) {
    this.state = mix32(seed ^ mix32(index * 2654435761 + salt) ^ mix32(Math.floor(index / 4294967296) + 0x1234567));
  }

  nextUint(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  float(): number {
    return this.nextUint() / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }

  range(min: number, maxInclusive: number): number {
    return min + this.int(maxInclusive - min + 1);
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Weighted pick: weights need not sum to 1. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.float() * total;
    for (const [value, w] of items) {
      x -= w;
      if (x < 0) return value;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** Log-normal draw: revenue and company sizes are heavy-tailed, not uniform. */
  logNormal(median: number, sigma: number): number {
    const u1 = Math.max(this.float(), 1e-12);
    const u2 = this.float();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return median * Math.exp(sigma * z);
  }
}
