import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '@corridor/config';
import { WorkerHeartbeatStore } from '@corridor/persistence';

/**
 * Workers taking jobs: at least one heartbeat younger than WORKER_STALE_SECONDS (0: not checked).
 * Without workers the api still accepts data, but nothing is segmented, decided or delivered.
 */
@Injectable()
export class WorkersHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly heartbeats: WorkerHeartbeatStore,
    private readonly config: AppConfig,
  ) {}

  async check<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const session = this.indicators.check(key);
    const stale = this.config.WORKER_STALE_SECONDS;
    if (stale === 0) return session.up({ checked: false });
    try {
      const { live, lastSeenSecondsAgo } = await this.heartbeats.seenWithin(stale);
      if (live.length > 0) return session.up({ live: live.length });
      const seen = lastSeenSecondsAgo === null ? 'no worker ever wrote a heartbeat' : `the last heartbeat is ${Math.round(lastSeenSecondsAgo)} s old`;
      return session.down({ message: `no worker seen within ${stale} s: ${seen}` });
    } catch (e) {
      return session.down({ message: (e as Error).message });
    }
  }
}
