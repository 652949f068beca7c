import { Injectable } from '@nestjs/common';
import { nextFatigue, OutcomeType, responseSettings, TreatmentFatigue, TreatmentPause } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';

/** An outcome about a delivery of a treatment, as the streak needs it. */
export interface FatigueFact {
  customerId: string;
  treatmentKey: string;
  type: OutcomeType;
  at: Date;
}

/**
 * Each customer's streak of ignored deliveries per treatment and the pause it earned. Kept in the
 * transaction that stores the outcomes (the rule itself is the domain's nextFatigue); decide reads
 * the pauses.
 */
@Injectable()
export class TreatmentFatigueStore {
  constructor(private readonly db: DataSource) {}

  /** Each of these customers' treatments paused beyond `at` (a decide batch reads them once). */
  async pausedFor(customerIds: readonly string[], at: Date): Promise<Map<string, TreatmentPause[]>> {
    const out = new Map<string, TreatmentPause[]>();
    if (customerIds.length === 0) return out;
    const rows: Array<{ customer_id: string; treatment_key: string; paused_until: Date }> = await this.db.query(
      `SELECT customer_id::text, treatment_key, paused_until FROM treatment_fatigue WHERE customer_id = ANY($1::bigint[]) AND paused_until > $2`,
      [customerIds, at],
    );
    for (const r of rows) {
      const list = out.get(r.customer_id) ?? [];
      list.push({ treatmentKey: r.treatment_key, until: r.paused_until.getTime() });
      out.set(r.customer_id, list);
    }
    return out;
  }

  /**
   * Applies new outcomes to the streaks, in the caller's transaction. Rows are created, then locked,
   * in (customer, treatment) order, so two batches touching the same pairs wait rather than deadlock.
   */
  async apply(em: EntityManager, facts: readonly FatigueFact[]): Promise<void> {
    if (facts.length === 0) return;
    const pairs = [...new Map(facts.map((f) => [`${f.customerId}|${f.treatmentKey}`, { c: f.customerId, t: f.treatmentKey }])).values()].sort(
      (a, b) => compareIds(a.c, b.c) || (a.t < b.t ? -1 : a.t > b.t ? 1 : 0),
    );
    const json = JSON.stringify(pairs);
    await em.query(
      `INSERT INTO treatment_fatigue (customer_id, treatment_key)
       SELECT c, t FROM jsonb_to_recordset($1::jsonb) AS x(c bigint, t text) ORDER BY c, t ON CONFLICT DO NOTHING`,
      [json],
    );
    const rows: Array<{ c: string; t: string; streak: number; paused_until: Date | null; w: number | null; n: number | null; d: number | null }> = await em.query(
      `SELECT f.customer_id::text AS c, f.treatment_key AS t, f.ignored_streak AS streak, f.paused_until,
              tr.response_window_hours AS w, tr.ignored_in_a_row AS n, tr.pause_days AS d
         FROM treatment_fatigue f
         JOIN jsonb_to_recordset($1::jsonb) AS x(c bigint, t text) ON f.customer_id = x.c AND f.treatment_key = x.t
         LEFT JOIN treatments tr ON tr.key = f.treatment_key
        ORDER BY f.customer_id, f.treatment_key
          FOR UPDATE OF f`,
      [json],
    );
    const state = new Map(rows.map((r) => [`${r.c}|${r.t}`, { fatigue: { ignoredStreak: r.streak, pausedUntil: r.paused_until?.getTime() ?? null } as TreatmentFatigue, settings: responseSettings({ responseWindowHours: r.w, ignoredInARow: r.n, pauseDays: r.d }) }]));
    for (const f of [...facts].sort((a, b) => a.at.getTime() - b.at.getTime())) {
      const s = state.get(`${f.customerId}|${f.treatmentKey}`);
      if (s) s.fatigue = nextFatigue(s.fatigue, { type: f.type, at: f.at.getTime() }, s.settings);
    }
    const updates = [...state.entries()].map(([key, s]) => {
      const [c, t] = splitPair(key);
      return { c, t, s: s.fatigue.ignoredStreak, p: s.fatigue.pausedUntil === null ? null : new Date(s.fatigue.pausedUntil).toISOString() };
    });
    await em.query(
      `UPDATE treatment_fatigue f SET ignored_streak = x.s, paused_until = x.p, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(c bigint, t text, s int, p timestamptz)
        WHERE f.customer_id = x.c AND f.treatment_key = x.t`,
      [JSON.stringify(updates)],
    );
  }
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function splitPair(key: string): [string, string] {
  const at = key.indexOf('|');
  return [key.slice(0, at), key.slice(at + 1)];
}
