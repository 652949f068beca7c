import { createHash } from 'node:crypto';
import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import { AuthenticatedRequest } from '../auth/current-key.decorator';

/** The throttler's name in RateLimitModule (its counters' keys and headers carry it). */
export const RATE_LIMIT_THROTTLER = 'default';

/** An API key's tracker: the counters are per key id, whichever header form carried it. */
export const keyTracker = (keyId: string) => `key:${keyId}`;

/**
 * The counter's key for a route and a tracker, as @nestjs/throttler's own generateKey makes it
 * (RateLimitGuard uses this, so the lean events path counts on the same key).
 */
export function rateLimitKey(controller: string, handler: string, throttler: string, tracker: string): string {
  return createHash('sha256').update(`${controller}-${handler}-${throttler}-${tracker}`).digest('hex');
}

/**
 * Counts requests per API key (by the key's id, so every process and both header forms share one
 * count), or per client IP on public routes. Runs after ApiKeyGuard, which sets the key. Over the
 * limit: 429 RATE_LIMITED in the one error shape, with Retry-After (seconds).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const key = (req as unknown as AuthenticatedRequest).apiKey;
    return key ? keyTracker(key.id) : `ip:${(req as unknown as AuthenticatedRequest).ip ?? 'unknown'}`;
  }

  protected override generateKey(context: ExecutionContext, tracker: string, throttler: string): string {
    return rateLimitKey(context.getClass().name, context.getHandler().name, throttler, tracker);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const who = req.apiKey ? `this ${req.apiKey.role} key` : 'requests without a key from this address';
    const seconds = Math.max(1, detail.timeToBlockExpire);
    throw new HttpException(
      {
        code: 'RATE_LIMITED',
        message: `Too many requests: ${who} may make ${detail.limit} per ${Math.round(detail.ttl / 1000)} s; retry in ${seconds} s`,
        details: [{ field: req.apiKey ? 'authorization' : 'ip', message: `limit of ${detail.limit} requests per ${Math.round(detail.ttl / 1000)} s reached`, code: 'RATE_LIMITED' }],
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
