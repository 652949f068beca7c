import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  DEFAULT_EXPERIENCE_SETTINGS,
  EVENT_SOURCE,
  experienceScore,
  type ExperienceSettings,
  RECOVERY_NEEDED_TOUCHPOINT,
  recoveryNeeded,
} from '@corridor/domain';
import { ExperienceStore, ExperienceTransaction, type ExperienceRow, type FeedbackOutcome, TouchpointEventStore } from '@corridor/persistence';

/** At most this many pieces of feedback (the latest in the window) make a customer's score. */
export const MAX_SCORED_FEEDBACK = 1000;

/**
 * Told, after commit, which customers' experience rows changed (score, counts or latest answers),
 * so what reads them (behavioural rule attributes) can re-evaluate just those customers. Optional:
 * provide it under EXPERIENCE_CHANGED.
 */
export interface ExperienceChangedListener {
  experienceChanged(customerIds: readonly string[]): Promise<void>;
}
export const EXPERIENCE_CHANGED = Symbol('EXPERIENCE_CHANGED');

export interface FeedbackReaction {
  /** False when the outcome is gone or is not feedback (nothing to do). */
  found: boolean;
  customerId?: string;
  /** Whether the customer's experience row changed. */
  changed?: boolean;
  score?: number | null;
  /** The `recovery_needed` event this feedback raised (or had raised: a repeat finds the same one). */
  recovery?: { eventId: string; raised: boolean; measure: string; score: number } | null;
}

/**
 * A customer's experience as their feedback makes it (docs/experience.md): recomputed from the
 * outcomes table under the customer's lock, never incremented, so a repeated or reordered job is
 * harmless; and service recovery after bad feedback at a moment of truth.
 */
@Injectable()
export class ExperienceService {
  private readonly logger = new Logger(ExperienceService.name);

  constructor(
    private readonly store: ExperienceStore,
    private readonly events: TouchpointEventStore,
    @Optional() @Inject(EXPERIENCE_CHANGED) private readonly listener?: ExperienceChangedListener,
  ) {}

  async settings(): Promise<ExperienceSettings> {
    return (await this.store.settings()) ?? { ...DEFAULT_EXPERIENCE_SETTINGS };
  }

  /**
   * REACT_TO_FEEDBACK: refreshes the customer's experience and, for feedback below the threshold at
   * a moment of truth within the window, raises `recovery_needed` in the same transaction.
   * `notifyAnyway` tells the listener even when nothing changed (a retry after a listener failure).
   */
  async react(outcomeId: string, options: { now?: number; notifyAnyway?: boolean } = {}): Promise<FeedbackReaction> {
    const now = options.now ?? Date.now();
    const feedback = await this.store.feedbackOutcome(outcomeId);
    if (!feedback) return { found: false };
    const settings = await this.settings();
    const result = await this.store.underCustomerLock(feedback.customerId, async (tx) => {
      const r = await this.recomputeIn(tx, feedback.customerId, settings, now);
      const recovery = await this.recover(tx, feedback, settings, now);
      return { ...r, recovery };
    });
    if (result.changed || options.notifyAnyway) await this.listener?.experienceChanged([feedback.customerId]);
    if (result.recovery?.raised) this.logger.log({ msg: 'recovery_needed raised', customerId: feedback.customerId, outcomeId, measure: result.recovery.measure });
    return { found: true, customerId: feedback.customerId, changed: result.changed, score: result.score, recovery: result.recovery };
  }

  /** Recomputes one customer's row now (the daily refresh); says whether it changed. */
  async recompute(customerId: string, options: { now?: number; settings?: ExperienceSettings } = {}): Promise<{ changed: boolean; score: number | null }> {
    const settings = options.settings ?? (await this.settings());
    const r = await this.store.underCustomerLock(customerId, (tx) => this.recomputeIn(tx, customerId, settings, options.now ?? Date.now()));
    if (r.changed) await this.listener?.experienceChanged([customerId]);
    return r;
  }

  private async recomputeIn(tx: ExperienceTransaction, customerId: string, settings: ExperienceSettings, now: number): Promise<{ changed: boolean; score: number | null }> {
    const since = new Date(now - settings.windowDays * 86_400_000);
    // One after the other: they share the transaction's connection.
    const pieces = await tx.feedbackSince(customerId, since, MAX_SCORED_FEEDBACK);
    const latest = await tx.latestAnswers(customerId);
    const before = await tx.current(customerId);
    const scored = experienceScore(
      pieces.map((p) => ({ id: p.id, at: p.occurredAt.getTime(), momentOfTruth: p.momentOfTruth, csat: p.csat, nps: p.nps, effort: p.effort })),
      settings,
      now,
    );
    const row: ExperienceRow = { customerId, score: scored.score, feedbackCount: scored.count, ...latest };
    await tx.write(row);
    return { changed: !before || !sameRow(before, row), score: scored.score };
  }

  private async recover(tx: ExperienceTransaction, feedback: FeedbackOutcome, settings: ExperienceSettings, now: number): Promise<FeedbackReaction['recovery']> {
    // Too late to recover from feedback older than the window (a backfill, a replay).
    if (feedback.occurredAt.getTime() <= now - settings.windowDays * 86_400_000) return null;
    const need = recoveryNeeded(feedback, settings);
    if (!need) return null;
    const [result] = await this.events.insertResolved(tx.manager, EVENT_SOURCE.corridor, [
      {
        touchpoint: RECOVERY_NEEDED_TOUCHPOINT,
        customerId: feedback.customerId,
        occurredAt: new Date(now),
        properties: { touchpoint: feedback.touchpointKey, measure: need.measure, score: need.score, outcomeId: feedback.id },
        idempotencyKey: `${RECOVERY_NEEDED_TOUCHPOINT}:${feedback.id}`,
      },
    ]);
    const eventId = 'eventId' in result ? result.eventId : '';
    return { eventId, raised: result.status === 'accepted', measure: need.measure, score: need.score };
  }
}

function sameRow(a: ExperienceRow, b: ExperienceRow): boolean {
  return (
    a.score === b.score &&
    a.feedbackCount === b.feedbackCount &&
    a.lastCsat === b.lastCsat &&
    a.lastNps === b.lastNps &&
    a.lastEffort === b.lastEffort &&
    (a.lastFeedbackAt?.getTime() ?? null) === (b.lastFeedbackAt?.getTime() ?? null)
  );
}
