import { firstWindow, nextWindow, resumableWindow, SearchWindow } from './search-window-planner';

interface Row {
  id: number;
  modifiedAt: number;
}

/**
 * A fake live search index like HubSpot's: every request re-evaluates the filter over the current
 * rows (keyset on id, sorted by id) and refuses offsets past `cap`. `between` runs after each
 * request: other writers acting while the reader pages.
 */
function simulate(rows: Row[], start: SearchWindow, pageSize: number, cap: number, between: (request: number) => void = () => undefined) {
  const seen: number[] = [];
  let w: SearchWindow | null = start;
  let requests = 0;
  while (w && requests < 10_000) {
    requests++;
    const win: SearchWindow = w;
    const match = rows
      .filter((r) => (win.fromInclusive ? r.modifiedAt >= win.from : r.modifiedAt > win.from) && r.modifiedAt <= win.to)
      .filter((r) => win.afterId === null || r.id > Number(win.afterId))
      .sort((a, b) => a.id - b.id);
    if (pageSize > cap) throw new Error('paged past the cap');
    const hits = match.slice(0, pageSize);
    seen.push(...hits.map((h) => h.id));
    w = nextWindow(win, hits.map((h) => ({ id: String(h.id) })), { pageSize }, match.length);
    between(requests);
  }
  return { seen, requests };
}

describe('search window planner (keyset on id within a fixed window)', () => {
  it('reads every record in the window once, in pages, and nothing outside it', () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, modifiedAt: 1000 + ((i * 37) % 250) }));
    const { seen, requests } = simulate(rows, firstWindow(1000, true, 1199), 20, 100);
    expect(seen).toEqual(rows.filter((r) => r.modifiedAt <= 1199).map((r) => r.id));
    expect(requests).toBe(10);
  });

  it('30,100 records at one millisecond (more than the cap): each read once, no request past the cap', () => {
    const rows = Array.from({ length: 30_100 }, (_, i) => ({ id: 5000 + i, modifiedAt: 42 }));
    const { seen, requests } = simulate(rows, firstWindow(0, true, 100), 200, 10_000);
    expect(seen).toHaveLength(30_100);
    expect(new Set(seen).size).toBe(30_100);
    expect(requests).toBe(Math.ceil(30_100 / 200));
  });

  it('records written while paging (moved past the cut-off, or merged into a new id) never make it skip an unwritten one', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, modifiedAt: (i * 7919) % 500 }));
    let nextId = 2000;
    const written = new Set<number>();
    const { seen } = simulate(rows, firstWindow(0, true, 499), 50, 10_000, (request) => {
      // Write one record already read and one not yet read; merge two into a new id.
      for (const index of [request * 3, 999 - request * 5]) {
        rows[index].modifiedAt = 10_000 + request;
        written.add(rows[index].id);
      }
      const [a, b] = [rows[request * 7 + 1], rows[request * 7 + 2]];
      a.modifiedAt = b.modifiedAt = -1; // gone from search
      written.add(a.id).add(b.id);
      rows.push({ id: nextId++, modifiedAt: 10_000 + request });
    });
    const unwritten = rows.filter((r) => r.id < 2000 && !written.has(r.id)).map((r) => r.id);
    for (const id of unwritten) expect(seen).toContain(id);
  });

  it('the last page needs no extra request when the total says it was the last', () => {
    expect(nextWindow(firstWindow(0, true, 9), [{ id: '3' }, { id: '4' }], { pageSize: 2 }, 2)).toBeNull();
    expect(nextWindow(firstWindow(0, true, 9), [{ id: '3' }, { id: '4' }], { pageSize: 2 }, 5)).toEqual({ from: 0, fromInclusive: true, to: 9, afterId: '4' });
    expect(nextWindow(firstWindow(0, true, 9), [{ id: '3' }], { pageSize: 2 })).toBeNull();
  });

  it('a checkpoint of the earlier offset planner resumes from its lower bound', () => {
    expect(resumableWindow({ mode: 'tie', from: 5, fromInclusive: true, to: 9, tieAt: 7 })).toEqual({ from: 7, fromInclusive: true, to: 9, afterId: null });
    expect(resumableWindow({ mode: 'range', from: 5, fromInclusive: false, to: 9 })).toEqual({ from: 5, fromInclusive: false, to: 9, afterId: null });
  });
});
