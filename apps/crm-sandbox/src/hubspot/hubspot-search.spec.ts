import { SandboxClock } from '../core/clock';
import { Rng } from '../core/prng';
import { defaultOptions } from '../sandbox-options';
import { HubSpotSearch, type SearchRequestInput } from './hubspot-search';
import { type ChangeSource, type HubSpotRecord, HubSpotStore } from './hubspot-store';

const SOURCE: ChangeSource = { changeSource: 'CRM_UI', api: false };

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

/** The slow, obviously-correct answer: every record, filtered and sorted in memory. */
function bruteForce(store: HubSpotStore, now: number, groups: Filter[][], sort: { name: string; desc: boolean } | undefined): HubSpotRecord[] {
  const view = { seq: Infinity, time: now };
  const out: HubSpotRecord[] = [];
  const refs = new Set<number>();
  for (let ref = 0; ref < store.records.baseCount; ref++) refs.add(ref);
  for (const ref of store.records.sortedEntryRefs()) refs.add(ref);
  const value = (record: HubSpotRecord, name: string): number | string | undefined => {
    if (name === 'lastmodifieddate') return record.updatedAt;
    if (name === 'hs_object_id') return Number(record.id);
    if (name === 'createdate') return Date.parse(record.props.createdate as string);
    return record.props[name] ?? undefined;
  };
  const matches = (record: HubSpotRecord, filter: Filter): boolean => {
    const v = value(record, filter.propertyName);
    const target = filter.propertyName === 'jobtitle' ? filter.value : Number(filter.value);
    if (v === undefined) return false;
    switch (filter.operator) {
      case 'EQ':
        return typeof v === 'string' ? v.toLowerCase() === String(target).toLowerCase() : v === target;
      case 'GT':
        return (v as number) > (target as number);
      case 'GTE':
        return (v as number) >= (target as number);
      case 'LT':
        return (v as number) < (target as number);
      case 'LTE':
        return (v as number) <= (target as number);
      case 'IN':
        return (filter.values ?? []).map(Number).includes(v as number);
      default:
        throw new Error(filter.operator);
    }
  };
  for (const ref of refs) {
    const version = store.records.visibleVersion(ref, view);
    if (version === null || version?.deleted) continue;
    const record = store.materialize(ref, version);
    if (groups.length > 0 && !groups.some((g) => g.every((f) => matches(record, f)))) continue;
    out.push(record);
  }
  const key = sort?.name ?? 'hs_object_id';
  out.sort((a, b) => {
    const x = value(a, key) as number;
    const y = value(b, key) as number;
    if (x !== y) return (x < y ? -1 : 1) * (sort?.desc ? -1 : 1);
    return (Number(a.id) - Number(b.id)) * (sort?.desc && key !== 'createdate' ? -1 : 1);
  });
  return out;
}

describe('HubSpotSearch against brute force, after random mutations', () => {
  const options = { ...defaultOptions().hubspot, contacts: 3000, searchLagMs: 2000 };
  const clock = new SandboxClock();
  const start = Date.parse('2026-07-01T00:00:00.000Z');
  clock.set(start);
  const store = new HubSpotStore(options, 99, clock);
  const search = new HubSpotSearch(store, clock);
  const rng = new Rng(5, 5);
  const times: number[] = [];

  beforeAll(() => {
    for (let i = 0; i < 600; i++) {
      clock.advance(rng.chance(0.3) ? 0 : rng.int(1500));
      const ref = rng.int(store.records.baseCount + 50);
      const record = store.record(ref);
      if (!record || record.archived) continue;
      const roll = rng.float();
      if (roll < 0.75) store.update(ref, { jobtitle: `t${rng.int(5)}` }, 'test', SOURCE);
      else if (roll < 0.85) store.archive(ref, SOURCE);
      else if (roll < 0.95) store.create({ email: `new${i}@example.com`, jobtitle: 't1' }, 'test', SOURCE);
      else {
        const other = rng.int(store.records.baseCount);
        const target = store.record(other);
        if (other !== ref && target && !target.archived) store.merge(ref, other, 'test', SOURCE);
      }
      times.push(clock.now());
    }
  });

  it('returns the same totals and pages for ranges, keysets, OR groups, IN and sorts', () => {
    const probeTimes = [0, store.generator.modstamp(1000), store.generator.modstamp(2999), start, ...times.filter((_, i) => i % 97 === 0)];
    let checked = 0;
    for (let q = 0; q < 120; q++) {
      const t = probeTimes[rng.int(probeTimes.length)] as number;
      const id = 1001 + rng.int(3100);
      const shapes: Filter[][][] = [
        [[{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(t) }]],
        [[{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(t) }, { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(t + 86_400_000 * 30) }]],
        [
          [{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(t) }],
          [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: String(t) }, { propertyName: 'hs_object_id', operator: 'GT', value: String(id) }],
        ],
        [[{ propertyName: 'hs_object_id', operator: 'GTE', value: String(id) }, { propertyName: 'jobtitle', operator: 'EQ', value: 't1' }]],
        [[{ propertyName: 'hs_object_id', operator: 'IN', values: [String(id), String(id + 1), '1001'] }]],
        [
          [{ propertyName: 'lastmodifieddate', operator: 'LT', value: String(t) }],
          [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(t - 86_400_000) }],
        ],
        [],
      ];
      const groups = shapes[rng.int(shapes.length)] as Filter[][];
      const sortName = rng.pick(['lastmodifieddate', 'hs_object_id', 'createdate', undefined]);
      const desc = rng.chance(0.3);
      if (groups.length === 0 && sortName === 'createdate') continue;
      const sort = sortName ? { name: sortName, desc } : undefined;
      // Without a sort the sandbox orders by time when every group bounds it: compare as sets then.
      const ordered = sortName !== undefined;
      const expected = bruteForce(store, clock.now(), groups, sort);
      const after = rng.chance(0.5) ? 0 : rng.int(Math.max(1, Math.min(expected.length, 9800)));
      const request: SearchRequestInput = {
        filterGroups: groups.map((filters) => ({ filters })),
        sorts: sort ? [{ propertyName: sort.name, direction: desc ? 'DESCENDING' : 'ASCENDING' }] : [],
        limit: 200,
        after: String(after),
      };
      const result = search.execute(request);
      expect({ q, total: result.total }).toEqual({ q, total: expected.length });
      const got = result.items.map((item) => store.idOf(item.ref));
      const want = expected.slice(after, after + 200).map((r) => r.id);
      if (ordered) expect({ q, got }).toEqual({ q, got: want });
      else expect(got.length).toBe(want.length);
      checked++;
    }
    expect(checked).toBeGreaterThan(80);
  });

  it('keyset pages (time window AND hs_object_id > X, sorted by id) match brute force, sparse windows or dense', () => {
    const probeTimes = [store.generator.modstamp(10), store.generator.modstamp(1500), ...times.filter((_, i) => i % 120 === 0)];
    let checked = 0;
    for (const t of probeTimes) {
      for (const width of [0, 2_000, 86_400_000, 86_400_000 * 400]) {
        for (const id of [0, 1001 + rng.int(3100)]) {
          const groups: Filter[][] = [
            [
              { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(t) },
              { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(t + width) },
              { propertyName: 'hs_object_id', operator: 'GT', value: String(id) },
            ],
          ];
          const expected = bruteForce(store, clock.now(), groups, { name: 'hs_object_id', desc: false });
          const result = search.execute({ filterGroups: groups.map((filters) => ({ filters })), sorts: ['hs_object_id'], limit: 200 });
          expect({ t, width, id, total: result.total }).toEqual({ t, width, id, total: expected.length });
          expect(result.items.map((item) => store.idOf(item.ref))).toEqual(expected.slice(0, 200).map((r) => r.id));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('hides writes younger than the lag from search', () => {
    clock.advance(10_000);
    const ref = 12;
    store.update(ref, { jobtitle: 'fresh' }, 'test', SOURCE);
    const request = { filterGroups: [{ filters: [{ propertyName: 'jobtitle', operator: 'EQ', value: 'fresh' }] }] };
    expect(search.execute(request).total).toBe(0);
    clock.advance(2000);
    expect(search.execute(request).total).toBe(1);
  });
});
