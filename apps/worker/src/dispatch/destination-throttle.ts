import { Injectable, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '@corridor/config';
import { RedisRequestBudget } from '@corridor/crm';
import { DestinationThrottle, WebhookDestination } from '@corridor/destinations';

const UNLIMITED: DestinationThrottle = { acquire: async () => undefined, pause: async () => undefined };

/**
 * Each destination's rate limit, shared by every worker process: the CRM connections' Redis
 * sliding window (one Lua script, Redis time) with a one-second window, and the shared pause a
 * 429 sets, so all workers hold off together.
 */
@Injectable()
export class DestinationThrottles implements OnModuleDestroy {
  private redis: Redis | null = null;

  constructor(private readonly config: AppConfig) {}

  for(destination: WebhookDestination): DestinationThrottle {
    const perSecond = destination.rateLimitPerSecond ?? 0;
    const budget = new RedisRequestBudget(this.client(), `${this.config.REDIS_PREFIX}:destination-budget:${destination.id}`, {
      ...(perSecond > 0 ? { burst: { max: perSecond, windowMs: 1000 } } : {}),
    });
    // Without a limit there is nothing to count, but a receiver's 429 still pauses everyone.
    return { acquire: perSecond > 0 ? () => budget.acquire('burst') : UNLIMITED.acquire, pause: (ms) => budget.pause(ms) };
  }

  private client(): Redis {
    this.redis ??= new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: 3 });
    return this.redis;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
    this.redis = null;
  }
}
