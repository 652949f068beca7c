import { Timeline } from './timeline';

const START = Date.parse('2024-01-01T00:00:00.000Z');
const END = Date.parse('2026-06-30T00:00:00.000Z');

describe('Timeline', () => {
  const timeline = new Timeline({ seed: 42, count: 200_000, startMs: START, endMs: END, precisionMs: 1 });

  it('is non-decreasing in the index and stays inside the span', () => {
    let previous = -Infinity;
    let decreases = 0;
    for (let i = 0; i < timeline.count; i++) {
      const t = timeline.at(i);
      if (t < previous) decreases++;
      previous = t;
    }
    expect(decreases).toBe(0);
    expect(timeline.at(0)).toBeGreaterThanOrEqual(START);
    expect(timeline.at(timeline.count - 1)).toBeLessThan(END);
  });

  it('has clusters of equal timestamps, including a bulk import of thousands', () => {
    let longest = 1;
    let run = 1;
    let clustered = 0;
    for (let i = 1; i < timeline.count; i++) {
      if (timeline.at(i) === timeline.at(i - 1)) {
        run++;
        clustered++;
      } else {
        longest = Math.max(longest, run);
        run = 1;
      }
    }
    expect(Math.max(longest, run)).toBeGreaterThanOrEqual(2000);
    expect(clustered).toBeGreaterThan(timeline.count * 0.05);
  });

  it('lowerBound finds the first index at or after a time', () => {
    for (const probe of [START - 1, START, timeline.at(1234), timeline.at(99_999) + 1, END]) {
      const index = timeline.lowerBound(probe);
      if (index < timeline.count) expect(timeline.at(index)).toBeGreaterThanOrEqual(probe);
      if (index > 0) expect(timeline.at(index - 1)).toBeLessThan(probe);
    }
  });

  it('truncates to whole seconds for Salesforce and still clusters many records per second', () => {
    const sf = new Timeline({ seed: 7, count: 100_000, startMs: START, endMs: END, precisionMs: 1000 });
    let sameSecond = 0;
    let subSecond = 0;
    for (let i = 0; i < sf.count; i++) {
      if (sf.at(i) % 1000 !== 0) subSecond++;
      if (i > 0 && sf.at(i) === sf.at(i - 1)) sameSecond++;
    }
    expect(subSecond).toBe(0);
    expect(sameSecond).toBeGreaterThan(1000);
  });

  it('is a pure function of (seed, index)', () => {
    const again = new Timeline({ seed: 42, count: 200_000, startMs: START, endMs: END, precisionMs: 1 });
    for (const i of [0, 1, 777, 150_000, 199_999]) expect(again.at(i)).toBe(timeline.at(i));
    const other = new Timeline({ seed: 43, count: 200_000, startMs: START, endMs: END, precisionMs: 1 });
    expect([0, 1, 2, 3, 4].some((i) => other.at(i) !== timeline.at(i))).toBe(true);
  });
});
