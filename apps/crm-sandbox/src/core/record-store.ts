import { Fenwick } from './fenwick';

/**
 * A point of view on the data: `seq` freezes the set of mutations (Salesforce query cursors are
 * snapshots), `time` hides mutations not yet indexed (HubSpot search lags writes). `CURRENT` sees
 * everything.
 */
export interface View {
  readonly seq: number;
  readonly time: number;
}

export const CURRENT: View = Object.freeze({ seq: Infinity, time: Infinity });

export type Include = 'live' | 'deleted' | 'all';

/** One state of a record in the overlay. Base (generated) records have no version until mutated. */
export interface Version<D> {
  readonly ref: number;
  readonly seq: number;
  readonly visibleFrom: number;
  readonly modstamp: number;
  readonly deleted: boolean;
  readonly data: D;
  next: Version<D> | undefined;
  dropped: boolean;
}

export interface Entry<D> {
  readonly ref: number;
  /** Retained versions, oldest first; older ones are dropped once no view can see them. */
  versions: Version<D>[];
  /** The first mutation hides the generated base record from ordered scans; kept after compaction. */
  readonly excludedSeq: number;
  readonly excludedFrom: number;
}

/** Sort key of the modification-ordered views: timestamp, then ref (ids grow with refs). */
export interface Key {
  readonly ms: number;
  readonly ref: number;
}

export interface Item<D> {
  readonly ref: number;
  readonly modstamp: number;
  /** undefined: the generated base record, unmodified. */
  readonly version: Version<D> | undefined;
}

export type Scan<D> = () => Item<D> | undefined;

export interface RecordStoreOptions {
  baseCount: number;
  baseModstamp: (index: number) => number;
  /** First base index whose modstamp is >= ms. */
  baseLowerBound: (ms: number) => number;
  now: () => number;
}

export interface WriteInput<D> {
  data: D;
  deleted: boolean;
  modstamp: number;
  visibleFrom: number;
}

export const MIN_KEY: Key = Object.freeze({ ms: -Infinity, ref: -Infinity });
export const MAX_KEY: Key = Object.freeze({ ms: Infinity, ref: Infinity });

function compareKey(ams: number, aref: number, bms: number, bref: number): number {
  if (ams !== bms) return ams < bms ? -1 : 1;
  return aref === bref ? 0 : aref < bref ? -1 : 1;
}

function visible<D>(version: Version<D>, view: View): boolean {
  return version.seq <= view.seq && version.visibleFrom <= view.time;
}

function includes(include: Include, deleted: boolean): boolean {
  return include === 'all' || (include === 'deleted') === deleted;
}

/**
 * Generated base records (0..baseCount-1, never materialised) plus an in-memory overlay of versions.
 * Ordered scans merge the base sequence, which is monotonic in its index, with a sorted array of
 * overlay versions, so a time range costs O(log N + page) rather than O(N).
 */
export class RecordStore<D> {
  readonly baseCount: number;
  private readonly baseModstamp: (index: number) => number;
  private readonly baseLowerBound: (ms: number) => number;
  private readonly now: () => number;
  private readonly entries = new Map<number, Entry<D>>();
  private readonly excluded: Fenwick | undefined;
  private slots: Version<D>[] = [];
  private readonly createdRefs: number[] = [];
  private pending: Entry<D>[] = [];
  private entryRefsSorted: number[] | undefined;
  private readonly pins = new Map<number, number>();
  private pinCounter = 0;
  private supersededSinceCompact = 0;
  private nextRefValue: number;
  private seqValue = 0;
  private maxVisibleFromValue = -Infinity;

  constructor(options: RecordStoreOptions) {
    this.baseCount = options.baseCount;
    this.baseModstamp = options.baseModstamp;
    this.baseLowerBound = options.baseLowerBound;
    this.now = options.now;
    this.nextRefValue = options.baseCount;
    this.excluded = options.baseCount > 0 ? new Fenwick(options.baseCount) : undefined;
  }

  /** Logical time of the last mutation: a snapshot view uses it as its `seq`. */
  get seq(): number {
    return this.seqValue;
  }

  /** Latest moment at which some version becomes visible: memoised counts stay valid past it. */
  get maxVisibleFrom(): number {
    return this.maxVisibleFromValue;
  }

  get overlaySize(): number {
    return this.entries.size;
  }

  allocateRef(): number {
    const ref = this.nextRefValue++;
    this.createdRefs.push(ref);
    return ref;
  }

  isBase(ref: number): boolean {
    return ref >= 0 && ref < this.baseCount;
  }

  entry(ref: number): Entry<D> | undefined {
    return this.entries.get(ref);
  }

  /** Latest version, undefined for an untouched base record, null when no such record exists. */
  head(ref: number): Version<D> | undefined | null {
    const entry = this.entries.get(ref);
    if (entry) return entry.versions[entry.versions.length - 1] as Version<D>;
    return this.isBase(ref) ? undefined : null;
  }

  visibleVersion(ref: number, view: View): Version<D> | undefined | null {
    const entry = this.entries.get(ref);
    if (entry) {
      for (let i = entry.versions.length - 1; i >= 0; i--) {
        const version = entry.versions[i] as Version<D>;
        if (visible(version, view)) return version;
      }
    }
    return this.isBase(ref) ? undefined : null;
  }

  modstampOf(ref: number, version: Version<D> | undefined): number {
    return version ? version.modstamp : this.baseModstamp(ref);
  }

  write(ref: number, input: WriteInput<D>): Version<D> {
    const seq = ++this.seqValue;
    const version: Version<D> = {
      ref,
      seq,
      visibleFrom: input.visibleFrom,
      modstamp: input.modstamp,
      deleted: input.deleted,
      data: input.data,
      next: undefined,
      dropped: false,
    };
    if (input.visibleFrom > this.maxVisibleFromValue) this.maxVisibleFromValue = input.visibleFrom;
    let entry = this.entries.get(ref);
    if (entry) {
      const previous = entry.versions[entry.versions.length - 1] as Version<D>;
      previous.next = version;
      entry.versions.push(version);
      this.supersededSinceCompact++;
    } else {
      entry = { ref, versions: [version], excludedSeq: seq, excludedFrom: input.visibleFrom };
      this.entries.set(ref, entry);
      this.entryRefsSorted = undefined;
      if (this.isBase(ref)) {
        this.excluded?.add(ref, 1);
        if (input.visibleFrom > this.now()) this.pending.push(entry);
      }
    }
    this.insertSlot(version);
    if (this.supersededSinceCompact > 4096 && this.supersededSinceCompact * 2 > this.slots.length) this.compact();
    return version;
  }

  /** Snapshot views keep the versions they can see alive until released. */
  pin(seq: number): number {
    const id = ++this.pinCounter;
    this.pins.set(id, seq);
    return id;
  }

  unpin(id: number): void {
    this.pins.delete(id);
  }

  compact(): void {
    let minPinned = Infinity;
    for (const seq of this.pins.values()) minPinned = Math.min(minPinned, seq);
    const now = this.now();
    for (const entry of this.entries.values()) {
      const versions = entry.versions;
      let keepFrom = 0;
      for (let i = versions.length - 1; i > 0; i--) {
        const version = versions[i] as Version<D>;
        if (version.seq <= minPinned && version.visibleFrom <= now) {
          keepFrom = i;
          break;
        }
      }
      if (keepFrom > 0) {
        for (let i = 0; i < keepFrom; i++) (versions[i] as Version<D>).dropped = true;
        entry.versions = versions.slice(keepFrom);
      }
    }
    this.slots = this.slots.filter((version) => !version.dropped);
    this.supersededSinceCompact = 0;
  }

  // ---------------------------------------------------------------- ordered by (modstamp, ref)

  scanByModstamp(view: View, include: Include, lo: Key, hi: Key, descending = false): Scan<D> {
    const b0 = include === 'deleted' ? 0 : this.baseIndexAt(lo);
    const b1 = include === 'deleted' ? 0 : this.baseIndexAt(hi);
    const s0 = this.slotIndexAt(lo);
    const s1 = this.slotIndexAt(hi);
    const slots = this.slots;
    const entries = this.entries;
    const hasEntries = entries.size > 0;
    const baseHidden = (index: number): boolean => {
      if (!hasEntries) return false;
      const entry = entries.get(index);
      return entry !== undefined && entry.excludedSeq <= view.seq && entry.excludedFrom <= view.time;
    };
    const slotOk = (version: Version<D>): boolean =>
      !version.dropped && includes(include, version.deleted) && visible(version, view) && isCurrent(version, view);

    let bi = descending ? b1 - 1 : b0;
    let si = descending ? s1 - 1 : s0;
    let bMs = NaN;
    let bReady = false;
    let sReady = false;
    const step = descending ? -1 : 1;

    return () => {
      if (!bReady) {
        while ((descending ? bi >= b0 : bi < b1) && baseHidden(bi)) bi += step;
        bMs = (descending ? bi >= b0 : bi < b1) ? this.baseModstamp(bi) : NaN;
        bReady = true;
      }
      if (!sReady) {
        while ((descending ? si >= s0 : si < s1) && !slotOk(slots[si] as Version<D>)) si += step;
        sReady = true;
      }
      const hasBase = descending ? bi >= b0 : bi < b1;
      const hasSlot = descending ? si >= s0 : si < s1;
      if (!hasBase && !hasSlot) return undefined;
      let takeBase: boolean;
      if (hasBase && hasSlot) {
        const slot = slots[si] as Version<D>;
        const c = compareKey(bMs, bi, slot.modstamp, slot.ref);
        takeBase = descending ? c > 0 : c < 0;
      } else {
        takeBase = hasBase;
      }
      if (takeBase) {
        const item: Item<D> = { ref: bi, modstamp: bMs, version: undefined };
        bi += step;
        bReady = false;
        return item;
      }
      const slot = slots[si] as Version<D>;
      si += step;
      sReady = false;
      return { ref: slot.ref, modstamp: slot.modstamp, version: slot };
    };
  }

  /** Exact count for a current view (seq = latest); O(log N + overlay versions in range). */
  countByModstamp(view: View, include: Include, lo: Key, hi: Key): number {
    if (view.seq < this.seqValue) return drain(this.scanByModstamp(view, include, lo, hi));
    let count = 0;
    if (include !== 'deleted' && this.baseCount > 0) {
      const b0 = this.baseIndexAt(lo);
      const b1 = this.baseIndexAt(hi);
      count += b1 - b0 - (this.excluded ? this.excluded.range(b0, b1) : 0);
      count += this.pendingIn(b0, b1, view);
    }
    const s1 = this.slotIndexAt(hi);
    for (let i = this.slotIndexAt(lo); i < s1; i++) {
      const version = this.slots[i] as Version<D>;
      if (!version.dropped && includes(include, version.deleted) && visible(version, view) && isCurrent(version, view)) count++;
    }
    return count;
  }

  // ---------------------------------------------------------------- ordered by ref (id)

  scanByRef(view: View, include: Include, refLo: number, refHi: number, descending = false): Scan<D> {
    const refs = include === 'deleted' ? this.sortedEntryRefs() : undefined;
    const check = (ref: number): Item<D> | undefined => {
      const version = this.visibleVersion(ref, view);
      if (version === null) return undefined;
      if (!includes(include, version ? version.deleted : false)) return undefined;
      return { ref, modstamp: version ? version.modstamp : this.baseModstamp(ref), version };
    };
    if (refs) {
      // Only overlay entries can be deleted: walk them instead of every base record.
      let i = descending ? lowerBound(refs, refHi) - 1 : lowerBound(refs, refLo);
      const end = descending ? lowerBound(refs, refLo) : lowerBound(refs, refHi);
      return () => {
        while (descending ? i >= end : i < end) {
          const item = check(refs[i] as number);
          i += descending ? -1 : 1;
          if (item) return item;
        }
        return undefined;
      };
    }
    const baseEnd = Math.min(this.baseCount, refHi);
    const baseStart = Math.max(0, refLo);
    const created = this.createdRefs;
    const c0 = lowerBound(created, Math.max(refLo, this.baseCount));
    const c1 = lowerBound(created, refHi);
    if (!descending) {
      let ref = baseStart;
      let ci = c0;
      return () => {
        while (ref < baseEnd) {
          const item = check(ref++);
          if (item) return item;
        }
        while (ci < c1) {
          const item = check(created[ci++] as number);
          if (item) return item;
        }
        return undefined;
      };
    }
    let ci = c1 - 1;
    let ref = baseEnd - 1;
    return () => {
      while (ci >= c0) {
        const item = check(created[ci--] as number);
        if (item) return item;
      }
      while (ref >= baseStart) {
        const item = check(ref--);
        if (item) return item;
      }
      return undefined;
    };
  }

  countByRef(view: View, include: Include, refLo: number, refHi: number): number {
    let count = 0;
    const a = Math.max(0, refLo);
    const b = Math.min(this.baseCount, refHi);
    if (include !== 'deleted' && b > a) count += b - a;
    for (const ref of this.sortedEntryRefs()) {
      if (ref < refLo || ref >= refHi) continue;
      const version = this.visibleVersion(ref, view);
      const isBase = this.isBase(ref);
      if (version === null) continue;
      const ok = includes(include, version ? version.deleted : false);
      if (isBase) {
        if (include === 'live' && !ok) count--;
        else if (include === 'deleted' && ok) count++;
      } else if (ok) {
        count++;
      }
    }
    return count;
  }

  /** Refs that have overlay entries, ascending (created records, mutated base records). */
  sortedEntryRefs(): number[] {
    if (!this.entryRefsSorted) this.entryRefsSorted = [...this.entries.keys()].sort((a, b) => a - b);
    return this.entryRefsSorted;
  }

  // ---------------------------------------------------------------- internals

  private baseIndexAt(key: Key): number {
    if (this.baseCount === 0) return 0;
    if (key.ms === -Infinity) return 0;
    if (key.ms === Infinity) return this.baseCount;
    const first = this.baseLowerBound(key.ms);
    if (key.ref <= first) return first;
    const afterEqual = this.baseLowerBound(key.ms + 1);
    return Math.min(Math.max(key.ref, first), afterEqual);
  }

  private slotIndexAt(key: Key): number {
    const slots = this.slots;
    let lo = 0;
    let hi = slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const slot = slots[mid] as Version<D>;
      if (compareKey(slot.modstamp, slot.ref, key.ms, key.ref) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertSlot(version: Version<D>): void {
    const slots = this.slots;
    const last = slots[slots.length - 1];
    if (!last || compareKey(last.modstamp, last.ref, version.modstamp, version.ref) <= 0) {
      slots.push(version);
      return;
    }
    let lo = 0;
    let hi = slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const slot = slots[mid] as Version<D>;
      if (compareKey(slot.modstamp, slot.ref, version.modstamp, version.ref) <= 0) lo = mid + 1;
      else hi = mid;
    }
    slots.splice(lo, 0, version);
  }

  /** Base records whose first overlay version is not yet visible to `view`: still shown as base. */
  private pendingIn(b0: number, b1: number, view: View): number {
    if (this.pending.length === 0) return 0;
    const now = this.now();
    this.pending = this.pending.filter((entry) => entry.excludedFrom > now);
    let count = 0;
    for (const entry of this.pending) {
      if (entry.ref >= b0 && entry.ref < b1 && entry.excludedFrom > view.time) count++;
    }
    return count;
  }
}

function isCurrent<D>(version: Version<D>, view: View): boolean {
  for (let later = version.next; later; later = later.next) if (visible(later, view)) return false;
  return true;
}

function drain<D>(scan: Scan<D>): number {
  let count = 0;
  while (scan()) count++;
  return count;
}

export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
