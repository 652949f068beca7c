import { SandboxClock } from '../core/clock';
import { Rng } from '../core/prng';
import { defaultOptions } from '../sandbox-options';
import { SalesforceService } from './salesforce-service';
import type { SfFields } from './salesforce-generator';

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

describe('SoqlExecutor against brute force, after random mutations', () => {
  const clock = new SandboxClock();
  clock.set('2026-11-01T00:00:00.000Z');
  const service = new SalesforceService({ ...defaultOptions().salesforce, contacts: 2500, leads: 300 }, 'spec', clock);
  const store = service.stores.Contact;
  const rng = new Rng(11, 11);
  const user = service.integrationUserId;
  const stamps: number[] = [];

  beforeAll(() => {
    for (let i = 0; i < 400; i++) {
      clock.advance(rng.chance(0.4) ? 0 : rng.int(4000));
      const ref = rng.int(store.records.baseCount);
      const record = store.record(ref) as SfFields;
      const roll = rng.float();
      if (record.IsDeleted) store.undelete(ref, { userId: user, api: false });
      else if (roll < 0.8) store.update(ref, { Title: `T${rng.int(4)}` }, { userId: user, api: true, automation: rng.chance(0.2) });
      else if (roll < 0.9) store.delete(ref, { userId: user, api: false });
      else store.create({ LastName: `New${i}`, Title: 'T1' }, { userId: user, api: false });
      stamps.push(Math.floor(clock.now() / 1000) * 1000);
    }
  });

  const all = (): SfFields[] => {
    const out: SfFields[] = [];
    for (let ref = 0; ref < store.records.baseCount; ref++) out.push(store.record(ref) as SfFields);
    for (const ref of store.records.sortedEntryRefs()) if (ref >= store.records.baseCount) out.push(store.record(ref) as SfFields);
    return out;
  };

  const run = (soql: string, all: boolean, batchSize?: number): { total: number; ids: string[] } => {
    let page = service.executor.run(soql, { all, version: 'v59.0', userId: user, batchSize });
    const ids = page.records.map((r) => String(r.Id));
    while (!page.done) {
      const locator = (page.nextRecordsUrl as string).split('/').pop() as string;
      page = service.executor.more(locator, { version: 'v59.0' });
      ids.push(...page.records.map((r) => String(r.Id)));
    }
    return { total: page.totalSize, ids };
  };

  it('query and queryAll return what brute force does, in order, across batches', () => {
    const probes = [Date.parse('2024-03-01T00:00:00Z'), store.timeline.at(2000), ...stamps.filter((_, i) => i % 41 === 0)];
    for (let q = 0; q < 60; q++) {
      const t = probes[rng.int(probes.length)] as number;
      const upper = t + rng.int(400) * 86_400_000;
      const desc = rng.chance(0.3);
      const queryAll = rng.chance(0.4);
      const deletedOnly = queryAll && rng.chance(0.5);
      const withTitle = rng.chance(0.3);
      const limit = rng.chance(0.3) ? 1 + rng.int(3000) : undefined;
      const where = [
        `SystemModstamp >= ${iso(t)}`,
        rng.chance(0.5) ? `SystemModstamp < ${iso(upper)}` : undefined,
        deletedOnly ? 'IsDeleted = true' : undefined,
        withTitle ? "Title = 'T1'" : undefined,
      ].filter(Boolean);
      const soql = `SELECT Id, Title, SystemModstamp FROM Contact WHERE ${where.join(' AND ')} ORDER BY SystemModstamp ${desc ? 'DESC' : 'ASC'}, Id ${desc ? 'DESC' : 'ASC'}${limit ? ` LIMIT ${limit}` : ''}`;
      let expected = all()
        .filter((r) => (queryAll ? true : r.IsDeleted === false))
        .filter((r) => !deletedOnly || r.IsDeleted === true)
        .filter((r) => (r.SystemModstamp as number) >= t)
        .filter((r) => !where.some((w) => w?.startsWith('SystemModstamp <')) || (r.SystemModstamp as number) < upper)
        .filter((r) => !withTitle || r.Title === 'T1')
        .sort((a, b) => {
          const c = (a.SystemModstamp as number) - (b.SystemModstamp as number) || (String(a.Id) < String(b.Id) ? -1 : 1);
          return desc ? -c : c;
        })
        .map((r) => String(r.Id));
      if (limit) expected = expected.slice(0, limit);
      const got = run(soql, queryAll, rng.chance(0.5) ? 200 : undefined);
      expect({ q, total: got.total, ids: got.ids }).toEqual({ q, total: expected.length, ids: expected });
    }
  });

  it('sorts by other fields and applies OFFSET', () => {
    const soql = "SELECT Id, LastName FROM Contact WHERE Title IN ('T1', 'T2') ORDER BY LastName DESC NULLS LAST, Id LIMIT 300 OFFSET 7";
    const expected = all()
      .filter((r) => r.IsDeleted === false && (r.Title === 'T1' || r.Title === 'T2'))
      .sort((a, b) => {
        const x = String(a.LastName).toLowerCase();
        const y = String(b.LastName).toLowerCase();
        if (x !== y) return x < y ? 1 : -1;
        return String(a.Id) < String(b.Id) ? -1 : 1;
      })
      .map((r) => String(r.Id))
      .slice(7, 307);
    expect(run(soql, false).ids).toEqual(expected);
  });

  it('keeps a cursor on its snapshot while records change', () => {
    const soql = 'SELECT Id FROM Contact WHERE SystemModstamp >= 2024-01-01T00:00:00Z ORDER BY SystemModstamp, Id';
    const first = service.executor.run(soql, { all: false, version: 'v59.0', userId: user, batchSize: 200 });
    const before = first.totalSize;
    clock.advance(1000);
    for (let i = 0; i < 50; i++) store.update(rng.int(store.records.baseCount), { Title: 'moved' }, { userId: user, api: true });
    const ids = first.records.map((r) => String(r.Id));
    let page = first;
    while (!page.done) {
      page = service.executor.more((page.nextRecordsUrl as string).split('/').pop() as string, { version: 'v59.0' });
      ids.push(...page.records.map((r) => String(r.Id)));
    }
    expect(ids).toHaveLength(before);
    expect(new Set(ids).size).toBe(before);
  });
});
