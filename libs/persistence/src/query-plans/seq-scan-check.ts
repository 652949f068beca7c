/**
 * Tables that grow with customers or traffic: a sequential scan of one of them on a hot path costs
 * time proportional to the whole table (docs/capacity.md#indexes).
 */
export const LARGE_TABLES: readonly string[] = [
  'customers',
  'customer_aliases',
  'assignments',
  'persona_history',
  'persona_run_changes',
  'customer_behaviour',
  'customer_experience',
  'treatment_fatigue',
  'touchpoint_events',
  'touchpoint_event_keys',
  'decisions',
  'deliveries',
  'outcomes',
  'outbox',
  'webhook_events',
  'measure_conversions',
];

interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
  Plan?: PlanNode;
}

/** A partition (assignments_v3; touchpoint_events_p2026_12, decisions_default) counts as its parent table. */
function tableOf(relation: string, large: readonly string[]): string | undefined {
  return large.find((t) => relation === t || new RegExp(`^${t}_(v[0-9]+|p[0-9]{4}_[0-9]{2}|default)$`).test(relation));
}

/**
 * The sequential scans of large tables in an `EXPLAIN (FORMAT JSON)` result, as readable lines.
 * Pure: takes the plan Postgres returned. `empty` names partitions that hold no row (the months made
 * ahead): the planner rightly reads those whole, at no cost; once rows arrive their statistics change.
 */
export function seqScansOfLargeTables(explained: unknown, large: readonly string[] = LARGE_TABLES, empty: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const walk = (node: PlanNode | undefined) => {
    if (!node || typeof node !== 'object') return;
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) {
      const table = tableOf(node['Relation Name'], large);
      if (table && !empty.has(node['Relation Name'])) found.push(`Seq Scan on ${node['Relation Name']}`);
    }
    walk(node.Plan);
    for (const child of node.Plans ?? []) walk(child);
  };
  for (const top of Array.isArray(explained) ? explained : [explained]) walk(top as PlanNode);
  return found;
}
