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
      ],
    });
    expect(seqScansOfLargeTables(explained)).toEqual(['Seq Scan on assignments_v12', 'Seq Scan on deliveries']);
  });

  it('lets a Seq Scan of a small table pass (a lookup table the planner reads whole)', () => {
    expect(seqScansOfLargeTables(plan({ 'Node Type': 'Seq Scan', 'Relation Name': 'persona_sets' }))).toEqual([]);
    expect(seqScansOfLargeTables(plan({ 'Node Type': 'Seq Scan', 'Relation Name': 'customers_archive' }))).toEqual([]);
  });
});
