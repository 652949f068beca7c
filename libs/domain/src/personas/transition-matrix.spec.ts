import { countTransition, emptyCounts, mergeCounts, movedCount, UNASSIGNED } from './transition-matrix';

describe('transition matrix', () => {
  it('counts per persona and moves, merging chunks', () => {
    const a = emptyCounts();
    countTransition(a, 'vip', 'vip');
    countTransition(a, 'vip', 'churn_risk');
    const b = emptyCounts();
    countTransition(b, null, 'vip');
    countTransition(b, 'vip', 'churn_risk');
    const all = mergeCounts(a, b);
    expect(all.total).toBe(4);
    expect(all.perPersona).toEqual({ vip: 2, churn_risk: 2 });
    expect(all.transitions).toEqual({ vip: { vip: 1, churn_risk: 2 }, [UNASSIGNED]: { vip: 1 } });
    expect(movedCount(all)).toBe(3);
  });
});

describe('transition matrix keys', () => {
  it('counts personas whose keys are named like Object.prototype members', () => {
    const a = emptyCounts();
    countTransition(a, 'toString', 'constructor');
    countTransition(a, null, 'constructor');
    const b = emptyCounts();
    countTransition(b, 'constructor', 'hasOwnProperty');
    const total = mergeCounts(emptyCounts(), JSON.parse(JSON.stringify(a)));
    mergeCounts(total, b);
    expect(JSON.parse(JSON.stringify(total))).toEqual({
      total: 3,
      perPersona: { constructor: 2, hasOwnProperty: 1 },
      transitions: { toString: { constructor: 1 }, [UNASSIGNED]: { constructor: 1 }, constructor: { hasOwnProperty: 1 } },
    });
  });
});
