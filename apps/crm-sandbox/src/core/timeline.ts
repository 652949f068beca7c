import { unitHash } from './prng';

export interface TimelineOptions {
  seed: number;
  count: number;
  startMs: number;
  endMs: number;
  /** Records per block; blocks are the unit of clustering. Defaults to an adaptive size. */
  blockSize?: number;
  /** Share of blocks written by one bulk import: every record in the block has the same timestamp. */
  bulkRate?: number;
  /** Share of blocks where records arrive in bursts of equal timestamps (workflow runs). */
  burstRate?: number;
  /** 1 for HubSpot (milliseconds), 1000 for Salesforce (second precision). */
  precisionMs: number;
}

/**
 * Modification time of the i-th generated record, computable in O(1) and non-decreasing in i, so a
 * time range maps to an index range by binary search instead of a scan. Blocks own equal slices of
 * the time span; inside a block the kind decides how records cluster.
 */
export class Timeline {
  readonly count: number;
  readonly blockSize: number;
  private readonly span: number;
  private readonly seed: number;
  private readonly startMs: number;
  private readonly bulkRate: number;
  private readonly burstRate: number;
  private readonly precisionMs: number;

  constructor(options: TimelineOptions) {
    this.count = options.count;
    this.seed = options.seed;
    this.startMs = options.startMs;
    this.precisionMs = options.precisionMs;
    this.blockSize = Math.max(1, options.blockSize ?? Math.min(2500, Math.max(50, Math.ceil(options.count / 20))));
    const blocks = Math.max(1, Math.ceil(options.count / this.blockSize));
    this.span = Math.max(1, (options.endMs - options.startMs) / blocks);
    this.bulkRate = options.bulkRate ?? 0.06;
    this.burstRate = options.burstRate ?? 0.2;
  }

  /** Kind of block b: 0 normal, 1 bulk (all equal), 2 bursts of equal timestamps. */
  blockKind(block: number): 0 | 1 | 2 {
    const u = unitHash(this.seed, block, 0x71);
    if (u < this.bulkRate) return 1;
    if (u < this.bulkRate + this.burstRate) return 2;
    return 0;
  }

  at(index: number): number {
    const block = Math.floor(index / this.blockSize);
    const j = index - block * this.blockSize;
    const blockStart = this.startMs + Math.floor(block * this.span);
    let offset: number;
    switch (this.blockKind(block)) {
      case 1:
        offset = 0;
        break;
      case 2: {
        const groupSize = 20 + Math.floor(unitHash(this.seed, block, 0x72) * 180);
        const groups = Math.ceil(this.blockSize / groupSize);
        const g = Math.floor(j / groupSize);
        offset = Math.floor(((g + unitHash(this.seed, block * 4096 + g, 0x73)) * this.span) / groups);
        break;
      }
      default:
        offset = Math.floor(((j + unitHash(this.seed, index, 0x74)) * this.span) / this.blockSize);
    }
    const ms = blockStart + offset;
    return this.precisionMs > 1 ? Math.floor(ms / this.precisionMs) * this.precisionMs : ms;
  }

  /** First index whose timestamp is >= ms (count when none). */
  lowerBound(ms: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
