import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { QUEUE } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { withTimeout } from '@corridor/observability';

/**
 * Pings Redis over BullMQ's own connection (the one enqueueing depends on). The timeout matters:
 * BullMQ's client queues commands while disconnected, so a bare ping would wait forever.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly jobs: JobProducer,
  ) {}

  async pingCheck<const Key extends string>(key: Key, timeoutMs: number): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(key);
    try {
      await withTimeout(
        // BullMQ types its client narrowly; at run time it is an ioredis client.
        this.jobs.queue(QUEUE.segmentation).client.then((client) => (client as unknown as { ping(): Promise<string> }).ping()),
        timeoutMs,
      );
      return session.up();
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  }
}
