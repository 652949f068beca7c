import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { JobProducer } from '@corridor/jobs';
import { OutboxStore } from '@corridor/persistence';
import { publishOutboxRows, RELAYED_TOPICS } from './outbox-topics';

const BATCH = 500;

/**
 * Moves outbox rows to BullMQ continuously: claim a batch (SKIP LOCKED, so every worker process
 * can run a relay), enqueue, stamp relayed_at, commit. A full batch is followed at once by the
 * next; an empty look waits OUTBOX_POLL_MS. A failure (Redis or Postgres away) leaves the rows
 * unrelayed and backs off; nothing is lost, at worst a row is enqueued twice (same job id).
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  /** One claim-enqueue-stamp pass; returns the rows relayed. */
  relayOnce(): Promise<number> {
    return this.outbox.relay(RELAYED_TOPICS, BATCH, (rows) => publishOutboxRows(this.jobs, rows));
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let pause = this.config.OUTBOX_POLL_MS;
      try {
        const n = await this.relayOnce();
        failures = 0;
        if (n === BATCH) pause = 0;
      } catch (e) {
        failures++;
        pause = Math.min(5000, this.config.OUTBOX_POLL_MS * 2 ** failures);
        if (failures === 1 || failures % 20 === 0) this.logger.warn({ msg: 'outbox relay failed; retrying', err: (e as Error).message, failures });
      }
      if (pause > 0 && !this.stopped) {
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
}
