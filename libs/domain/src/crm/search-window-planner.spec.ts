import { firstWindow, nextWindow, SearchHit, SearchWindow } from './search-window-planner';

/** A fake search index sorted like HubSpot's: by modifiedAt (range) or id (tie), capped at `cap`. */
function simulate(records: SearchHit[], start: SearchWindow, pageSize: number, cap: number) {
  const seen: string[] = [];
  let w: SearchWindow | null = start;
  let requests = 0;
  while (w && requests < 10_000) {
    requests++;
    const match = records
      .filter((r) =>
        w!.mode === 'range'
          ? (w!.fromInclusive ? r.modifiedAt >= w!.from : r.modifiedAt > w!.from) && r.modifiedAt <= w!.to
          : r.modifiedAt === w!.tieAt && (!w!.afterId || Number(r.id) > Number(w!.afterId)),
      )
      .sort((a, b) => (w!.mode === 'range' ? a.modifiedAt - b.modifiedAt || Number(a.id) - Number(b.id) : Number(a.id) - Number(b.id)));
    const offset = w.after ? Number(w.after) : 0;
    if (offset + pageSize > cap) throw new Error(`paged past the cap (offset ${offset})`);
    const hits = match.slice(offset, offset + pageSize);
    const next = offset + pageSize < match.length ? String(offset + pageSize) : null;
    seen.push(...hits.map((h) => h.id));
    w = nextWindow(w, hits, next, { pageSize, cap });
  }
  return { seen, requests };
}

describe('search window planner', () => {
  it('reads every record once when nothing shares a timestamp', () => {
    const records = Array.from({ length: 250 }, (_, i) => ({ id: String(i + 1), modifiedAt: 1000 + i }));
    const { seen } = simulate(records, firstWindow(0, true, 10_000), 20, 100);
    expect(new Set(seen).size).toBe(250);
  });

  it('moves the window past the cap instead of paging beyond it', () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ id: String(i + 1), modifiedAt: 1000 + Math.floor(i / 3) }));
    const { seen } = simulate(records, firstWindow(0, true, 1_000_000), 50, 1000);
    expect(new Set(seen)).toEqual(new Set(records.map((r) => r.id)));
  });

  it('neither skips nor loops when more records than the cap share one timestamp', () => {
    const records = [
      ...Array.from({ length: 50 }, (_, i) => ({ id: String(i + 1), modifiedAt: 500 })),
      ...Array.from({ length: 2600 }, (_, i) => ({ id: String(1000 + i), modifiedAt: 777 })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: String(9000 + i), modifiedAt: 900 + i })),
    ];
    const { seen, requests } = simulate(records, firstWindow(0, true, 10_000), 100, 1000);
    expect(new Set(seen)).toEqual(new Set(records.map((r) => r.id)));
    expect(requests).toBeLessThan(60);
  });

  it('stays within the upper bound (search lag margin)', () => {
    const records = [
      { id: '1', modifiedAt: 10 },
      { id: '2', modifiedAt: 20 },
    ];
    expect(simulate(records, firstWindow(0, true, 15), 10, 100).seen).toEqual(['1']);
  });

  it('a tie window that is exhausted resumes the range strictly after the tie', () => {
    const w: SearchWindow = { mode: 'tie', from: 5, fromInclusive: true, to: 9, tieAt: 5, afterId: null, offset: 0, after: null };
    expect(nextWindow(w, [{ id: '3', modifiedAt: 5 }], null, { pageSize: 10, cap: 100 })).toEqual({
      mode: 'range',
      from: 5,
      fromInclusive: false,
      to: 9,
      offset: 0,
      after: null,
    });
  });
});
