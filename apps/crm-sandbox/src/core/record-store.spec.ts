import { CURRENT, type Item, MAX_KEY, MIN_KEY, RecordStore, type Scan } from './record-store';

interface Data {
  label: string;
}

function collect(scan: Scan<Data>): Item<Data>[] {
  const out: Item<Data>[] = [];
  for (let item = scan(); item; item = scan()) out.push(item);
  return out;
}

/** Base record i is modified at 1000 + 10 * floor(i / 3): clusters of three equal timestamps. */
function makeStore(now: { t: number }, count = 30): RecordStore<Data> {
  const at = (i: number): number => 1000 + 10 * Math.floor(i / 3);
  return new RecordStore<Data>({
    baseCount: count,
    baseModstamp: at,
    baseLowerBound: (ms) => {
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (at(mid) < ms) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    now: () => now.t,
  });
}

describe('RecordStore', () => {
  it('moves a modified base record to its new position and keeps (modstamp, ref) order', () => {
    const now = { t: 5000 };
    const store = makeStore(now);
    store.write(4, { data: { label: 'x' }, deleted: false, modstamp: 1015, visibleFrom: 0 });
    const items = collect(store.scanByModstamp(CURRENT, 'live', MIN_KEY, MAX_KEY));
    expect(items).toHaveLength(30);
    const keys = items.map((i) => [i.modstamp, i.ref]);
    const sorted = [...keys].sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    expect(keys).toEqual(sorted);
    expect(items.find((i) => i.ref === 4)?.modstamp).toBe(1015);
    expect(store.countByModstamp(CURRENT, 'live', MIN_KEY, MAX_KEY)).toBe(30);
  });

  it('counts match scans for ranges, including composite (modstamp, ref) edges', () => {
    const now = { t: 5000 };
    const store = makeStore(now);
    store.write(1, { data: { label: 'a' }, deleted: false, modstamp: 1100, visibleFrom: 0 });
    store.write(7, { data: { label: 'b' }, deleted: true, modstamp: 1100, visibleFrom: 0 });
    const created = store.allocateRef();
    store.write(created, { data: { label: 'c' }, deleted: false, modstamp: 1050, visibleFrom: 0 });
    for (const [lo, hi] of [
      [{ ms: 1000, ref: -Infinity }, { ms: 1060, ref: -Infinity }],
      [{ ms: 1050, ref: 16 }, { ms: 1050, ref: Infinity }],
      [{ ms: 1020, ref: -Infinity }, { ms: 1200, ref: -Infinity }],
    ] as const) {
      for (const include of ['live', 'deleted', 'all'] as const) {
        expect(store.countByModstamp(CURRENT, include, lo, hi)).toBe(collect(store.scanByModstamp(CURRENT, include, lo, hi)).length);
      }
    }
    const descending = collect(store.scanByModstamp(CURRENT, 'live', MIN_KEY, MAX_KEY, true)).map((i) => i.ref);
    const ascending = collect(store.scanByModstamp(CURRENT, 'live', MIN_KEY, MAX_KEY)).map((i) => i.ref);
    expect(descending).toEqual([...ascending].reverse());
    expect(store.countByRef(CURRENT, 'live', 0, Infinity)).toBe(collect(store.scanByRef(CURRENT, 'live', 0, Infinity)).length);
    expect(collect(store.scanByRef(CURRENT, 'deleted', 0, Infinity)).map((i) => i.ref)).toEqual([7]);
  });

  it('snapshot views (seq) do not see later writes', () => {
    const now = { t: 5000 };
    const store = makeStore(now);
    const snapshot = { seq: store.seq, time: Infinity };
    store.write(2, { data: { label: 'late' }, deleted: true, modstamp: 2000, visibleFrom: 0 });
    expect(collect(store.scanByModstamp(snapshot, 'live', MIN_KEY, MAX_KEY)).map((i) => i.ref)).toContain(2);
    expect(collect(store.scanByModstamp(CURRENT, 'live', MIN_KEY, MAX_KEY)).map((i) => i.ref)).not.toContain(2);
  });

  it('lagged views show the previous version until the new one is visible', () => {
    const now = { t: 5000 };
    const store = makeStore(now);
    store.write(3, { data: { label: 'v1' }, deleted: false, modstamp: 5000, visibleFrom: 8000 });
    const before = { seq: Infinity, time: 6000 };
    const items = collect(store.scanByModstamp(before, 'live', MIN_KEY, MAX_KEY));
    expect(items.find((i) => i.ref === 3)).toMatchObject({ modstamp: 1010, version: undefined });
    expect(store.countByModstamp(before, 'live', { ms: 4000, ref: -Infinity }, MAX_KEY)).toBe(0);
    const after = { seq: Infinity, time: 8000 };
    expect(store.countByModstamp(after, 'live', { ms: 4000, ref: -Infinity }, MAX_KEY)).toBe(1);
    store.write(3, { data: { label: 'v2' }, deleted: false, modstamp: 9000, visibleFrom: 12000 });
    const between = collect(store.scanByModstamp({ seq: Infinity, time: 10_000 }, 'live', MIN_KEY, MAX_KEY));
    expect(between.filter((i) => i.ref === 3).map((i) => i.version?.data.label)).toEqual(['v1']);
  });

  it('compaction keeps pinned snapshots intact', () => {
    const now = { t: 5000 };
    const store = makeStore(now);
    store.write(0, { data: { label: 'v1' }, deleted: false, modstamp: 3000, visibleFrom: 0 });
    const pinnedView = { seq: store.seq, time: Infinity };
    const pin = store.pin(pinnedView.seq);
    store.write(0, { data: { label: 'v2' }, deleted: false, modstamp: 4000, visibleFrom: 0 });
    store.compact();
    expect(store.visibleVersion(0, pinnedView)?.data.label).toBe('v1');
    store.unpin(pin);
    store.compact();
    expect(store.entry(0)?.versions.map((v) => v.data.label)).toEqual(['v2']);
    expect(collect(store.scanByModstamp(CURRENT, 'all', MIN_KEY, MAX_KEY))).toHaveLength(30);
  });
});
