import { Injectable } from '@nestjs/common';
import type { ExperienceSettings } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';

/** A feedback outcome with what the score needs of its touchpoint. */
export interface FeedbackOutcome {
  id: string;
  customerId: string;
  touchpointKey: string;
  /** The touchpoint's flag as it is now (null when the touchpoint is gone: not a moment of truth). */
  momentOfTruth: boolean;
  occurredAt: Date;
  csat: number | null;
  nps: number | null;
  effort: number | null;
}

/** A customer's `customer_experience` row. */
export interface CustomerExperience {
  customerId: string;
  score: number | null;
  feedbackCount: number;
  lastCsat: number | null;
  lastNps: number | null;
  lastEffort: number | null;
  lastFeedbackAt: Date | null;
  updatedAt: Date;
}

export type ExperienceRow = Omit<CustomerExperience, 'updatedAt'>;

const SETTINGS_ID = 1;

/** Two-key advisory lock space for "one customer's experience". */
const EXPERIENCE_LOCK_CLASS = `hashtext('corridor.experience')`;

const FEEDBACK_COLUMNS = `o.id::text AS id, o.customer_id::text AS customer_id, o.touchpoint_key, coalesce(t.moment_of_truth, false) AS mot,
  o.occurred_at, o.csat, o.nps, o.effort`;

/**
 * Experience settings and the reads and writes behind a customer's experience row. Which pieces
 * count and what the score is are domain functions (experience-score.ts); this answers queries.
 */
@Injectable()
export class ExperienceStore {
  constructor(private readonly db: DataSource) {}

  /** The saved settings, or null when none were saved (the defaults apply). */
  async settings(): Promise<ExperienceSettings | null> {
    const rows: Array<Record<string, number>> = await this.db.query(
      `SELECT average_weight, peak_weight, end_weight, moment_of_truth_weight, window_days, recovery_threshold FROM experience_settings WHERE id = $1`,
      [SETTINGS_ID],
    );
    const r = rows[0];
    return r
      ? {
          averageWeight: r.average_weight,
          peakWeight: r.peak_weight,
          endWeight: r.end_weight,
          momentOfTruthWeight: r.moment_of_truth_weight,
          windowDays: r.window_days,
          recoveryThreshold: r.recovery_threshold,
        }
      : null;
  }

  async saveSettings(s: ExperienceSettings): Promise<void> {
    await this.db.query(
      `INSERT INTO experience_settings (id, average_weight, peak_weight, end_weight, moment_of_truth_weight, window_days, recovery_threshold, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (id) DO UPDATE SET average_weight = EXCLUDED.average_weight, peak_weight = EXCLUDED.peak_weight, end_weight = EXCLUDED.end_weight,
         moment_of_truth_weight = EXCLUDED.moment_of_truth_weight, window_days = EXCLUDED.window_days, recovery_threshold = EXCLUDED.recovery_threshold, updated_at = now()`,
      [SETTINGS_ID, s.averageWeight, s.peakWeight, s.endWeight, s.momentOfTruthWeight, s.windowDays, s.recoveryThreshold],
    );
  }

  /** A feedback outcome by id (null when there is none, or it is not feedback). */
  async feedbackOutcome(id: string): Promise<FeedbackOutcome | null> {
    const rows = await this.db.query(
      `SELECT ${FEEDBACK_COLUMNS} FROM outcomes o LEFT JOIN touchpoints t ON t.key = o.touchpoint_key WHERE o.id = $1 AND o.type = 'feedback'`,
      [id],
    );
    return rows[0] ? toFeedback(rows[0]) : null;
  }

  async experience(customerId: string): Promise<CustomerExperience | null> {
    return readExperience(this.db.manager, customerId);
  }

  /**
   * Runs `work` in one transaction holding the customer's advisory lock, so two feedback jobs of a
   * customer recompute one after the other and the later one sees the earlier one's outcome.
   */
  underCustomerLock<T>(customerId: string, work: (tx: ExperienceTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(${EXPERIENCE_LOCK_CLASS}, ($1::bigint % 2147483647)::int)`, [customerId]);
      // Taken before any read of the facts: every later statement's snapshot sees at least what this one does.
      const [{ s }]: Array<{ s: string }> = await m.query(`SELECT pg_current_snapshot()::text AS s`);
      return work(new ExperienceTransaction(m, s));
    });
  }

  /**
   * Feedback received between `horizonHours` and `graceSeconds` ago that its customer's row has not
   * seen (no row, or a row whose read did not see it): its job was lost, or is late. "Seen" is
   * whether the outcome's transaction was visible to the row's read snapshot; comparing received_at
   * with updated_at (both transaction starts) would count a recompute that began after the
   * outcome's transaction but read before its commit as having seen it. Rows from before the
   * columns existed keep that comparison.
   */
  async unreactedFeedback(graceSeconds: number, horizonHours: number, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT o.id::text AS id FROM outcomes o
        WHERE o.type = 'feedback' AND o.received_at < now() - make_interval(secs => $1) AND o.received_at > now() - make_interval(hours => $2)
          AND NOT EXISTS (SELECT 1 FROM customer_experience ce WHERE ce.customer_id = o.customer_id
                            AND CASE WHEN o.xact_id IS NOT NULL AND ce.read_snapshot IS NOT NULL
                                     THEN pg_visible_in_snapshot(o.xact_id::text::xid8, ce.read_snapshot::pg_snapshot)
                                     ELSE ce.updated_at >= o.received_at END)
        ORDER BY o.id LIMIT $3`,
      [graceSeconds, horizonHours, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Customers whose row counted feedback that has since left the window (it occurred after the
   * row's window start, `updated_at − windowDays`, and before today's), by id after `afterId`.
   */
  async windowDropped(windowDays: number, afterId: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT ce.customer_id::text AS id FROM customer_experience ce
        WHERE ce.feedback_count > 0 AND ce.customer_id > $2
          AND EXISTS (SELECT 1 FROM outcomes o WHERE o.customer_id = ce.customer_id AND o.type = 'feedback'
                         AND o.occurred_at > ce.updated_at - make_interval(days => $1) AND o.occurred_at <= now() - make_interval(days => $1))
        ORDER BY ce.customer_id LIMIT $3`,
      [windowDays, afterId, limit],
    );
    return rows.map((r) => r.id);
  }
}

/** What a recompute reads and writes, inside the customer's lock. */
export class ExperienceTransaction {
  /** `readSnapshot`: the snapshot taken under the lock before any read (pg_snapshot as text), stored with the row. */
  constructor(
    readonly manager: EntityManager,
    private readonly readSnapshot: string,
  ) {}

  /** The customer's latest `limit` feedback outcomes that occurred after `since`, oldest first (ties by id). */
  async feedbackSince(customerId: string, since: Date, limit: number): Promise<FeedbackOutcome[]> {
    const rows = await this.manager.query(
      `SELECT * FROM (SELECT ${FEEDBACK_COLUMNS} FROM outcomes o LEFT JOIN touchpoints t ON t.key = o.touchpoint_key
                       WHERE o.customer_id = $1 AND o.type = 'feedback' AND o.occurred_at > $2
                       ORDER BY o.occurred_at DESC, o.id DESC LIMIT $3) x
        ORDER BY occurred_at, id::bigint`,
      [customerId, since, limit],
    );
    return rows.map(toFeedback);
  }

  /** Each measure's latest answer and the latest feedback's time, whenever they came. */
  async latestAnswers(customerId: string): Promise<Pick<ExperienceRow, 'lastCsat' | 'lastNps' | 'lastEffort' | 'lastFeedbackAt'>> {
    const [r]: Array<{ csat: number | null; nps: number | null; effort: number | null; at: Date | null }> = await this.manager.query(
      `SELECT (SELECT csat FROM outcomes WHERE customer_id = $1 AND type = 'feedback' AND csat IS NOT NULL ORDER BY occurred_at DESC, id DESC LIMIT 1) AS csat,
              (SELECT nps FROM outcomes WHERE customer_id = $1 AND type = 'feedback' AND nps IS NOT NULL ORDER BY occurred_at DESC, id DESC LIMIT 1) AS nps,
              (SELECT effort FROM outcomes WHERE customer_id = $1 AND type = 'feedback' AND effort IS NOT NULL ORDER BY occurred_at DESC, id DESC LIMIT 1) AS effort,
              (SELECT max(occurred_at) FROM outcomes WHERE customer_id = $1 AND type = 'feedback') AS at`,
      [customerId],
    );
    return { lastCsat: r.csat, lastNps: r.nps, lastEffort: r.effort, lastFeedbackAt: r.at };
  }

  current(customerId: string): Promise<CustomerExperience | null> {
    return readExperience(this.manager, customerId);
  }

  /** Writes the row (updated_at now, also when nothing else changed: the daily refresh keys on it). */
  async write(row: ExperienceRow): Promise<void> {
    await this.manager.query(
      `INSERT INTO customer_experience (customer_id, score, feedback_count, last_csat, last_nps, last_effort, last_feedback_at, updated_at, read_snapshot)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)
       ON CONFLICT (customer_id) DO UPDATE SET score = EXCLUDED.score, feedback_count = EXCLUDED.feedback_count, last_csat = EXCLUDED.last_csat,
         last_nps = EXCLUDED.last_nps, last_effort = EXCLUDED.last_effort, last_feedback_at = EXCLUDED.last_feedback_at, updated_at = now(),
         read_snapshot = EXCLUDED.read_snapshot`,
      [row.customerId, row.score, row.feedbackCount, row.lastCsat, row.lastNps, row.lastEffort, row.lastFeedbackAt, this.readSnapshot],
    );
  }
}

async function readExperience(m: EntityManager, customerId: string): Promise<CustomerExperience | null> {
  const rows: Array<{ customer_id: string; score: string | null; feedback_count: number; last_csat: number | null; last_nps: number | null; last_effort: number | null; last_feedback_at: Date | null; updated_at: Date }> =
    await m.query(
      `SELECT customer_id::text, score, feedback_count, last_csat, last_nps, last_effort, last_feedback_at, updated_at FROM customer_experience WHERE customer_id = $1`,
      [customerId],
    );
  const r = rows[0];
  return r
    ? {
        customerId: r.customer_id,
        score: r.score === null ? null : Number(r.score),
        feedbackCount: r.feedback_count,
        lastCsat: r.last_csat,
        lastNps: r.last_nps,
        lastEffort: r.last_effort,
        lastFeedbackAt: r.last_feedback_at,
        updatedAt: r.updated_at,
      }
    : null;
}

function toFeedback(r: { id: string; customer_id: string; touchpoint_key: string; mot: boolean; occurred_at: Date; csat: number | null; nps: number | null; effort: number | null }): FeedbackOutcome {
  return { id: r.id, customerId: r.customer_id, touchpointKey: r.touchpoint_key, momentOfTruth: r.mot, occurredAt: r.occurred_at, csat: r.csat, nps: r.nps, effort: r.effort };
}
