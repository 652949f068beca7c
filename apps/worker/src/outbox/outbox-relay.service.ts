import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { JobProducer } from '@corridor/jobs';
import { continueOutboxTraces } from '@corridor/observability';
import { OutboxListener, OutboxStore } from '@corridor/persistence';
import { publishOutboxRows, RELAYED_TOPICS } from './outbox-topics';

const BATCH = 500;
/** A standby relay (another process listens) looks this many poll intervals apart. */
const STANDBY_POLLS = 10;

/**
 * Moves outbox rows to BullMQ continuously: claim a batch (SKIP LOCKED, so every worker process
 * can run a relay), enqueue, stamp relayed_at and each row's job id, commit. A full batch is followed at once by the
 * next; an empty look waits OUTBOX_POLL_MS, or less when Postgres notifies that rows were
 * committed (LISTEN; a trigger on outbox notifies at commit). A failure (Redis or Postgres away) leaves the rows
 * unrelayed and backs off; nothing is lost, at worst a row is enqueued twice (same job id).
 *
 * One process listens (OutboxStore.listen's exclusive lock), so a notice wakes one relay: the
 * others are standbys that look every STANDBY_POLLS × OUTBOX_POLL_MS and try to become the
 * listener each time, which they do as soon as the listener's process or connection is gone.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Set when a notice arrives while a pass runs: look again at once. */
  private noticed = false;
  private listener?: OutboxListener;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  /**
   * Before any module's shutdown: the LISTEN connection is a pooled client held for good, and the
   * data source's own shutdown waits for every client to come back (it hung the worker's exit).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.listener?.close();
  }

  /** One claim-enqueue-stamp pass; returns the rows relayed. */
  relayOnce(): Promise<number> {
    // Tracing on: the jobs continue the trace that wrote the rows (the request that recorded the event).
    return this.outbox.relay(RELAYED_TOPICS, BATCH, (rows) => continueOutboxTraces(rows.map((r) => r.traceparent), () => publishOutboxRows(this.jobs, rows)));
  }

  private failures = 0;

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.keepListening();
      let pause = this.listener ? this.config.OUTBOX_POLL_MS : this.config.OUTBOX_POLL_MS * STANDBY_POLLS;
      this.noticed = false;
      try {
        const n = await this.relayOnce();
        this.failures = 0;
        if (n === BATCH) pause = 0;
      } catch (e) {
        this.failures++;
        pause = Math.min(5000, this.config.OUTBOX_POLL_MS * 2 ** this.failures);
        if (this.failures === 1 || this.failures % 20 === 0) {
          this.logger.warn({ msg: 'outbox relay failed; retrying', err: (e as Error).message, failures: this.failures });
        }
      }
      // A notice cuts the wait short, except while backing off from a failure.
      if (pause > 0 && !this.stopped && (this.failures > 0 || !this.noticed)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  /** (Re-)establishes the LISTEN connection when there is none; without one (a standby, or Postgres away) the relay just polls. */
  private async keepListening(): Promise<void> {
    if (this.listener || this.stopped) return;
    try {
      const listener = await this.outbox.listen(
        () => {
          this.noticed = true;
          if (this.failures === 0) this.wake?.();
        },
        { exclusive: true },
      );
      if (!listener) return;
      if (this.stopped) {
        // Shutdown began while this connection was being set up: give it straight back.
        await listener.close();
        return;
      }
      this.listener = listener;
      void listener.lost.then(() => {
        if (this.listener === listener) this.listener = undefined;
        // Give the dead connection back to the pool (which discards it): the pool's end waits for it.
        void listener.close();
      });
    } catch {
      // Postgres away: the pass below fails and backs off the same way.
    }
  }
}
