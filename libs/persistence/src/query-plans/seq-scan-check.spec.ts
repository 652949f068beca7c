import { seqScansOfLargeTables } from './seq-scan-check';

describe('seqScansOfLargeTables', () => {
  const plan = (root: object) => [{ Plan: root }];

  it('finds a Seq Scan of a large table deep in the plan, partitions included', () => {
    const explained = plan({
      'Node Type': 'Nested Loop',
      Plans: [
        { 'Node Type': 'Index Scan', 'Relation Name': 'customers' },
        { 'Node Type': 'Append', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'assignments_v12' }] },
        { 'Node Type': 'Seq Scan', 'Relation Name': 'deliveries' },
        { 'Node Type': 'Append', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'decisions_p2026_12' }, { 'Node Type': 'Seq Scan', 'Relation Name': 'touchpoint_events_default' }] },
      ],
    });
    expect(seqScansOfLargeTables(explained)).toEqual(['Seq Scan on assignments_v12', 'Seq Scan on deliveries', 'Seq Scan on decisions_p2026_12', 'Seq Scan on touchpoint_events_default']);
  });

  it('lets a Seq Scan of an empty partition pass, not of one with rows', () => {
    const explained = plan({
      'Node Type': 'Append',
      Plans: [
        { 'Node Type': 'Seq Scan', 'Relation Name': 'decisions_p2027_02' },
        { 'Node Type': 'Seq Scan', 'Relation Name': 'decisions_p2026_12' },
      ],
    });
    expect(seqScansOfLargeTables(explained, undefined, new Set(['decisions_p2027_02']))).toEqual(['Seq Scan on decisions_p2026_12']);
  });

  it('lets a Seq Scan of a small table pass (a lookup table the planner reads whole)', () => {
    expect(seqScansOfLargeTables(plan({ 'Node Type': 'Seq Scan', 'Relation Name': 'persona_sets' }))).toEqual([]);
    expect(seqScansOfLargeTables(plan({ 'Node Type': 'Seq Scan', 'Relation Name': 'customers_archive' }))).toEqual([]);
  });
});
