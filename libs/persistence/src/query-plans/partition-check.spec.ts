import { partitionsRead } from './partition-check';

describe('partitionsRead', () => {
  it('counts the partitions a plan read, not those pruned while it ran (never executed)', () => {
    const explained = [
      {
        Plan: {
          'Node Type': 'Nested Loop',
          'Actual Loops': 1,
          Plans: [
            { 'Node Type': 'Index Scan', 'Relation Name': 'touchpoint_events_p2026_11', 'Actual Loops': 1 },
            {
              'Node Type': 'Append',
              'Subplans Removed': 20,
              Plans: [
                { 'Node Type': 'Index Scan', 'Relation Name': 'decisions_p2026_11', 'Actual Loops': 3 },
                { 'Node Type': 'Index Scan', 'Relation Name': 'decisions_p2026_12', 'Actual Loops': 0 },
                { 'Node Type': 'Seq Scan', 'Relation Name': 'decisions_default', 'Actual Loops': 1 },
              ],
            },
            { 'Node Type': 'Index Scan', 'Relation Name': 'outcomes', 'Actual Loops': 1 },
          ],
        },
      },
    ];
    expect(partitionsRead(explained)).toEqual({
      touchpoint_events: ['touchpoint_events_p2026_11'],
      decisions: ['decisions_default', 'decisions_p2026_11'],
      deliveries: [],
    });
  });

  it('counts every listed partition of a plan that was not run (plain EXPLAIN)', () => {
    const explained = [{ Plan: { 'Node Type': 'Append', Plans: [{ 'Relation Name': 'deliveries_p2026_01' }, { 'Relation Name': 'deliveries_p2026_02' }] } }];
    expect(partitionsRead(explained).deliveries).toEqual(['deliveries_p2026_01', 'deliveries_p2026_02']);
  });
});
