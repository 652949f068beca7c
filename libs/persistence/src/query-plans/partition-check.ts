/** The month-partitioned event tables (docs/capacity.md#partitions-and-retention). */
export const PARTITIONED_TABLES: readonly string[] = ['touchpoint_events', 'decisions', 'deliveries'];

interface PlanNode {
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
  Plan?: PlanNode;
}

/**
 * The partitions an `EXPLAIN (ANALYZE, FORMAT JSON)` result read, per partitioned table: scans of
 * `<table>_pYYYY_MM` / `<table>_default` that ran at least once. Partitions pruned when planning
 * are absent from the plan, those pruned at executor start are only counted in "Subplans Removed",
 * and those pruned while running show `Actual Loops: 0`: none of them count. Pure.
 */
export function partitionsRead(explained: unknown, tables: readonly string[] = PARTITIONED_TABLES): Record<string, string[]> {
  const read: Record<string, Set<string>> = Object.fromEntries(tables.map((t) => [t, new Set<string>()]));
  const walk = (node: PlanNode | undefined) => {
    if (!node || typeof node !== 'object') return;
    const relation = node['Relation Name'];
    if (relation && (node['Actual Loops'] ?? 1) > 0) {
      const table = tables.find((t) => new RegExp(`^${t}_(p[0-9]{4}_[0-9]{2}|default)$`).test(relation));
      if (table) read[table].add(relation);
    }
    walk(node.Plan);
    for (const child of node.Plans ?? []) walk(child);
  };
  for (const top of Array.isArray(explained) ? explained : [explained]) walk(top as PlanNode);
  return Object.fromEntries(Object.entries(read).map(([t, s]) => [t, [...s].sort()]));
}
