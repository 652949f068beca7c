import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { WorkerHeartbeatStore } from '@corridor/persistence';
import { JobMetrics } from './job-metrics';

/**
 * Writes this process's heartbeat row every WORKER_HEARTBEAT_SECONDS, so the api's readiness can
 * tell "workers are taking jobs" from "nobody is". A failed write is only logged: Postgres away
 * shows in readiness anyway, and the next beat tries again.
 */
@Injectable()
export class HeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('heartbeat');
  readonly id = randomUUID();
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;

  constructor(
    private readonly store: WorkerHeartbeatStore,
    private readonly config: AppConfig,
    private readonly jobs: JobMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.WORKER_HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
  }

  private tick(): void {
    if (this.current) return;
    this.current = this.store
      .beat({ id: this.id, host: hostname(), pid: process.pid, queues: this.jobs.queues() })
      .catch((e) => this.logger.warn({ msg: 'heartbeat not written', err: (e as Error).message }))
      .finally(() => (this.current = undefined));
  }
}
