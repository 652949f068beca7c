import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { budgetKeyPrefix, RedisRequestBudget } from '@corridor/crm';
import { createRedisClient, RedisClient } from '@corridor/jobs';
import { DestinationThrottle, WebhookDestination } from '@corridor/destinations';

/** Waits up to this long in place for a slot; past it the delivery is deferred (its row lock released). */
const MAX_INLINE_WAIT_MS = 2_000;

/**
 * Each destination's rate limit, shared by every worker process: the CRM connections' Redis
 * sliding window (one Lua script, Redis time) with a one-second window, and the shared pause a
 * 429 sets, so all workers hold off together (for unlimited destinations too).
 */
@Injectable()
export class DestinationThrottles implements OnModuleDestroy {
  private redis: RedisClient | null = null;

  constructor(private readonly config: AppConfig) {}

  for(destination: WebhookDestination): DestinationThrottle {
    const perSecond = destination.rateLimitPerSecond ?? 0;
    const budget = new RedisRequestBudget(this.client(), budgetKeyPrefix(this.config.REDIS_PREFIX, 'destination-budget', destination.id), {
      ...(perSecond > 0 ? { burst: { max: perSecond, windowMs: 1000 } } : {}),
    });
    return {
      acquire: async () => {
        for (;;) {
          const wait = perSecond > 0 ? await budget.tryAcquire('burst') : await this.pausedFor(destination.id, budget);
          if (wait <= 0 || wait > MAX_INLINE_WAIT_MS) return Math.max(0, wait);
          // Wake a little apart so waiting workers do not all retry at the same millisecond.
          await new Promise((r) => setTimeout(r, wait + Math.floor(Math.random() * 15)));
        }
      },
      pause: (ms) => budget.pause(ms),
    };
  }

  private readonly pauseChecks = new Map<string, Promise<number>>();

  /**
   * An unlimited destination's only check is its shared pause: the sends of a batch that ask at
   * the same time share one Redis round trip (one check per destination per batch, not per send).
   */
  private pausedFor(destinationId: string, budget: RedisRequestBudget): Promise<number> {
    let check = this.pauseChecks.get(destinationId);
    if (!check) {
      check = budget.tryAcquire('burst').finally(() => this.pauseChecks.delete(destinationId));
      this.pauseChecks.set(destinationId, check);
    }
    return check;
  }

  private client(): RedisClient {
    this.redis ??= createRedisClient(this.config.REDIS_URL, { maxRetriesPerRequest: 3 });
    return this.redis;
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
    this.redis = null;
  }
}
