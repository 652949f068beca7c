import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { JobsOptions } from 'bullmq';
import { BULK_EVALUATION, DECIDE_EVENT, DECIDE_EVENTS, DISPATCH_DELIVERY, eventArrival, JobContract, QueueName, REACT_TO_FEEDBACK } from '@corridor/contracts';
import { isRaisedSource } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { DueDelivery, ExperienceStore, OutboxStore, UndecidedEvent } from '@corridor/persistence';
import { PersonaChangedRaiser } from './persona-changed.raiser';

/** Events older than this are left to be seen (a decision may never come for events that old: a bug, not a lost job). */
const HORIZON_HOURS = 7 * 24;
const BATCH = 5000;
const PURGE_RELAYED_AFTER_HOURS = 24;

/**
 * The states of a job in which it no longer holds its work: `unknown` (gone: Redis lost it, or
 * BullMQ dropped it after it completed or failed), `completed` (it ran, yet the work is not done in
 * Postgres: an event without a decision, the decision lost since, Postgres being restored, say; a
 * delivery a batch left for a later attempt) and `failed` (it used up its attempts: events and
 * deliveries are retried one by one, so one that fails for good fails alone). Every other state
 * (waiting, in a paused queue too; prioritized, delayed, active, waiting-children) means the job is
 * still queued and will do the work: it is left alone; except a job active for longer than the
 * grace (see goneJobs).
 */
const JOB_GONE = new Set(['unknown', 'completed', 'failed']);

export interface ReconcileReport {
  ran: boolean;
  events: number;
  deliveries: number;
  personaChanges: number;
  /** Feedback whose customer's experience row has not seen it (a lost react-to-feedback job). */
  feedback: number;
}

/**
 * Redis is rebuildable (STYLE.md §18): every OUTBOX_RECONCILE_SECONDS one worker process (an
 * advisory lock) re-enqueues, from Postgres, what the queue should hold but may have lost:
 * events without a decision older than OUTBOX_RECONCILE_GRACE_SECONDS whose batch job is gone
 * (see lostEvents: an event merely waiting behind a backlog is left to its batch), deliveries
 * pending, retrying or held past their time by as long that no job holds any more (see
 * lostDeliveries), feedback its customer's experience row has not seen. Job ids are
 * deterministic, so a job that is still there is not doubled, and decisions and deliveries are
 * unique in Postgres. It also catches up the persona-change feed's treatments consumer and purges
 * relayed outbox rows after a day.
 * A timer of its own, like the watchdog, since scheduled jobs live in the Redis it repairs.
 */
@Injectable()
export class OutboxReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxReconciler.name);
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly jobs: JobProducer,
    private readonly personaChanges: PersonaChangedRaiser,
    private readonly config: AppConfig,
    private readonly experience: ExperienceStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.OUTBOX_RECONCILE_SECONDS * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.race([this.current, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private tick(): void {
    if (this.current) return;
    this.current = this.pass()
      .catch((e) => this.logger.warn({ msg: 'outbox reconcile failed', err: (e as Error).message }))
      .finally(() => (this.current = undefined));
  }

  async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { ran: false, events: 0, deliveries: 0, personaChanges: 0, feedback: 0 };
    const grace = this.config.OUTBOX_RECONCILE_GRACE_SECONDS;
    report.ran = await this.outbox.exclusively('reconcile', async () => {
      const events = await this.lostEvents(await this.outbox.undecidedEvents(grace, HORIZON_HOURS, BATCH));
      // Each job carries its event's arrival, so the decide path reads that month's partitions only;
      // an event Corridor raised goes back at the bulk priority its batch had.
      const decide = (e: UndecidedEvent) => ({ eventId: e.id, ...eventArrival([e.receivedAt]) });
      await this.requeue(DECIDE_EVENT, events.filter((e) => !isRaisedSource(e.source)).map(decide));
      await this.requeue(DECIDE_EVENT, events.filter((e) => isRaisedSource(e.source)).map(decide), BULK_EVALUATION);
      report.events = events.length;
      const deliveries = await this.lostDeliveries(await this.outbox.dueDeliveries(grace, BATCH));
      await this.requeue(DISPATCH_DELIVERY, deliveries.map(dispatchOf), undefined, ['completed', 'failed']);
      report.deliveries = deliveries.length;
      const feedback = await this.experience.unreactedFeedback(grace, HORIZON_HOURS, BATCH);
      await this.requeue(REACT_TO_FEEDBACK, feedback.map((outcomeId) => ({ outcomeId })));
      report.feedback = feedback.length;
      report.personaChanges = await this.personaChanges.catchUp();
      await this.outbox.purgeRelayed(PURGE_RELAYED_AFTER_HOURS);
    });
    if (report.events || report.deliveries || report.feedback) this.logger.warn({ msg: 'outbox reconciler re-queued work the queue did not hold', ...report });
    return report;
  }

  /**
   * Of the undecided events past the grace, those the queue no longer holds. Each event's outbox
   * row names the DECIDE_EVENTS batch job the relay put it in; BullMQ is asked once per distinct
   * batch (up to RELAY_JOB_BATCH events share one), and the events of a batch that is still queued
   * are left to it: after a burst, thousands of events wait behind the backlog past the grace, and
   * re-queuing each as its own job doubled the queue's work. The others (their batch gone, see
   * JOB_GONE; or no job recorded: the row purged after a day, or relayed by a version that did
   * not record it) are looked at again in Postgres after the queue was asked, so an event decided
   * meanwhile, or whose row still waits for the relay, is not re-queued.
   */
  private async lostEvents(events: readonly UndecidedEvent[]): Promise<UndecidedEvent[]> {
    const gone = await this.goneJobs(DECIDE_EVENTS.queue, events.flatMap((e) => (e.jobId === null ? [] : [e.jobId])), this.graceMs());
    const candidates = events.filter((e) => e.jobId === null || gone.has(e.jobId));
    const lost = new Set(await this.outbox.toRequeue(candidates));
    return candidates.filter((e) => lost.has(e.id));
  }

  /**
   * Of the deliveries past their time by the grace, those no job holds any more. Two jobs can hold
   * one: its next attempt's own DISPATCH_DELIVERY (a deterministic id, delivery and attempt: a
   * retry's delayed job, a held delivery's release, a first attempt a batch deferred (rate
   * limited), or one this reconciler re-queued), and, for a pending delivery, the
   * DISPATCH_DELIVERIES batch its latest outbox row names (up to RELAY_JOB_BATCH first attempts
   * share one). A delivery is left alone while either is still queued: behind a dispatch backlog (a
   * slow or rate-limited destination, a burst of treatments) first attempts wait in their batches
   * past the grace, and re-queuing each as its own job doubled the dispatch work. BullMQ is asked
   * once per distinct job; the rest (both gone, or the batch unknown: an outbox row purged after a
   * day, or a record lost) are read again in Postgres, so an attempt made meanwhile, or a replay
   * waiting for the relay, is not re-queued.
   */
  private async lostDeliveries(deliveries: readonly DueDelivery[]): Promise<DueDelivery[]> {
    const holders = (d: DueDelivery) => [DISPATCH_DELIVERY.jobId(dispatchOf(d))!, ...(d.jobId === null ? [] : [d.jobId])];
    const gone = await this.goneJobs(DISPATCH_DELIVERY.queue, deliveries.flatMap(holders), this.graceMs());
    const candidates = deliveries.filter((d) => holders(d).every((id) => gone.has(id)));
    const lost = new Set(await this.outbox.deliveriesToRequeue(candidates));
    return candidates.filter((d) => lost.has(d.id));
  }

  /**
   * Of these job ids (repeats asked once), those whose job no longer holds its work (JOB_GONE), or
   * that have been active for longer than `graceMs`: the worker running it may have died, and BullMQ
   * gives the job back only once its lock expires (the queue's lockDuration: two minutes for
   * treatment-dispatch), so its work is re-queued as after a loss. Only the few jobs running are
   * concerned, and a duplicate of a live one finds its rows locked or done in Postgres.
   */
  private async goneJobs(queueName: QueueName, jobIds: readonly string[], graceMs: number): Promise<Set<string>> {
    const distinct = [...new Set(jobIds)];
    const gone = new Set<string>();
    for (let i = 0; i < distinct.length; i += 500) {
      const slice = distinct.slice(i, i + 500);
      await this.jobs.onQueue(queueName, `read job states of ${queueName}`, async (queue) => {
        const states = await Promise.all(slice.map((id) => queue.getJobState(id)));
        await Promise.all(
          slice.map(async (id, k) => {
            if (JOB_GONE.has(states[k])) gone.add(id);
            else if (states[k] === 'active') {
              const job = await queue.getJob(id);
              if (!job || Date.now() - (job.processedOn ?? Date.now()) > graceMs) gone.add(id);
            }
          }),
        );
      });
    }
    return gone;
  }

  private graceMs(): number {
    return this.config.OUTBOX_RECONCILE_GRACE_SECONDS * 1000;
  }

  /**
   * Enqueues under the contract's job ids. A job of that id that BullMQ still keeps in one of the
   * `clear` states would swallow the add (a held delivery's first attempt completed as "not yet"),
   * so it is removed first (completed only, by default: a failed feedback or event job stays for
   * its failure to be seen; a delivery's failed attempt job is cleared, the delivery being still
   * unfinished in Postgres); waiting, delayed and active ones are left as they are.
   */
  private async requeue<P extends object>(
    contract: JobContract<P>,
    payloads: readonly P[],
    options?: JobsOptions,
    clear: ReadonlyArray<'completed' | 'failed'> = ['completed'],
  ): Promise<void> {
    const queue = this.jobs.queue(contract.queue);
    for (let i = 0; i < payloads.length; i += 500) {
      const slice = payloads.slice(i, i + 500);
      await Promise.all(
        slice.map(async (p) => {
          const job = await queue.getJob(contract.jobId(p)!);
          if (job && (clear as readonly string[]).includes(await job.getState())) await job.remove();
        }),
      );
      await this.jobs.enqueueMany(contract, slice, options);
    }
  }
}

/** A delivery's next attempt as its own job. */
function dispatchOf(d: DueDelivery): { deliveryId: string; attempt: number; receivedFrom?: string; receivedTo?: string } {
  return { deliveryId: d.id, attempt: d.attempt, ...eventArrival([d.eventReceivedAt]) };
}
