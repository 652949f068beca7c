import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { DECIDE_EVENT, DISPATCH_DELIVERY, eventArrival, JobContract, REACT_TO_FEEDBACK } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { ExperienceStore, OutboxStore } from '@corridor/persistence';
import { PersonaChangedRaiser } from './persona-changed.raiser';

/** Events older than this are left to be seen (a decision may never come for events that old: a bug, not a lost job). */
const HORIZON_HOURS = 7 * 24;
const BATCH = 5000;
const PURGE_RELAYED_AFTER_HOURS = 24;

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
 * events without a decision older than OUTBOX_RECONCILE_GRACE_SECONDS, deliveries pending,
 * retrying or held past their time by as long, feedback its customer's experience row has not seen.
 * Job ids are deterministic, so a job that is still
 * there is not doubled, and decisions and deliveries are unique in Postgres. It also catches up the
 * persona-change feed's treatments consumer and purges relayed outbox rows after a day.
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
      const events = await this.outbox.undecidedEvents(grace, HORIZON_HOURS, BATCH);
      // Each job carries its event's arrival, so the decide path reads that month's partitions only.
      await this.requeue(DECIDE_EVENT, events.map((e) => ({ eventId: e.id, ...eventArrival([e.receivedAt]) })));
      report.events = events.length;
      const deliveries = await this.outbox.dueDeliveries(grace, BATCH);
      await this.requeue(DISPATCH_DELIVERY, deliveries.map((d) => ({ deliveryId: d.id, attempt: d.attempt, ...eventArrival([d.eventReceivedAt]) })));
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
   * Enqueues under the contract's job ids. A job of that id that BullMQ still keeps as completed
   * would swallow the add (a held delivery's first attempt completed as "not yet"), so a completed
   * one is removed first; waiting, delayed, active and failed ones are left as they are.
   */
  private async requeue<P extends object>(contract: JobContract<P>, payloads: readonly P[]): Promise<void> {
    const queue = this.jobs.queue(contract.queue);
    for (let i = 0; i < payloads.length; i += 500) {
      const slice = payloads.slice(i, i + 500);
      await Promise.all(
        slice.map(async (p) => {
          const job = await queue.getJob(contract.jobId(p)!);
          if (job && (await job.isCompleted())) await job.remove();
        }),
      );
      await this.jobs.enqueueMany(contract, slice);
    }
  }
}
