import type { WebhookDelivery } from './webhook-sender';

/**
 * Notifications waiting to go out, and the log of what went: queued items are sent in batches
 * shortly after they are queued (or at once by `flush`), one batch at a time, the way the vendors'
 * senders behave. Both CRMs' webhook senders use it; each supplies how to send one batch.
 */
export class WebhookOutbox<T> {
  private queue: T[] = [];
  private flushing: Promise<void> | undefined;
  private readonly deliveries: WebhookDelivery[] = [];

  constructor(
    private readonly batchSize: number,
    private readonly sendBatch: (batch: T[]) => Promise<WebhookDelivery>,
  ) {}

  enqueue(items: readonly T[]): void {
    this.queue.push(...items);
    this.scheduleFlush();
  }

  pending(): T[] {
    return [...this.queue];
  }

  deliveryLog(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  /** Keeps the latest deliveries for the admin API (bounded). */
  record(delivery: WebhookDelivery): WebhookDelivery {
    this.deliveries.push(delivery);
    if (this.deliveries.length > 1000) this.deliveries.splice(0, 500);
    return delivery;
  }

  /** Sends everything queued now; resolves when every batch was attempted. */
  async flush(): Promise<WebhookDelivery[]> {
    await this.flushing;
    const out: WebhookDelivery[] = [];
    while (this.queue.length > 0) out.push(await this.sendBatch(this.queue.splice(0, this.batchSize)));
    return out;
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => {
      setImmediate(() => {
        void (async () => {
          try {
            while (this.queue.length > 0) await this.sendBatch(this.queue.splice(0, this.batchSize)).catch(() => undefined);
          } finally {
            this.flushing = undefined;
            resolve();
          }
        })();
      });
    });
  }
}
