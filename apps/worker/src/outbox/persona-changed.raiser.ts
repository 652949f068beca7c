import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_SOURCE, PERSONA_CHANGED_TOUCHPOINT } from '@corridor/domain';
import { PersonaFeedStore, TouchpointEventStore } from '@corridor/persistence';

/** The treatments consumer's cursor in the persona-change feed. */
export const TREATMENTS_FEED_CONSUMER = 'treatments';
const BATCH = 1000;
const POLL_MS = 500;

/**
 * The treatments consumer of the persona-change feed: each persona_history row raises the built-in
 * `persona_changed` touchpoint event (source `corridor`, idempotency key `persona_changed:<history
 * id>`, properties from/to/cause) through the ingest store, in the transaction that advances the
 * cursor, so each change raises exactly one event. It polls the feed (a cheap indexed look) and
 * the reconciler catches it up too; the PERSONA_CHANGES notice stays the write-back queue's.
 */
@Injectable()
export class PersonaChangedRaiser implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PersonaChangedRaiser.name);
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;

  constructor(
    private readonly feed: PersonaFeedStore,
    private readonly events: TouchpointEventStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), POLL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.race([this.current, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private tick(): void {
    if (this.current) return;
    this.current = this.catchUp()
      .catch((e) => this.logger.warn({ msg: 'persona_changed feed consumer failed', err: (e as Error).message }))
      .finally(() => (this.current = undefined));
  }

  /** Raises events for every visible change after the cursor; returns how many changes it handled. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.feed.consume(TREATMENTS_FEED_CONSUMER, BATCH, async (changes, manager) => {
        await this.events.insertResolved(
          manager,
          EVENT_SOURCE.corridor,
          changes.map((c) => ({
            touchpoint: PERSONA_CHANGED_TOUCHPOINT,
            customerId: c.customerId,
            occurredAt: c.changedAt,
            properties: { from: c.fromKey, to: c.toKey, cause: c.cause },
            idempotencyKey: `persona_changed:${c.historyId}`,
          })),
        );
      });
      if (r.busy || r.handled === 0) return total;
      total += r.handled;
    }
  }
}
