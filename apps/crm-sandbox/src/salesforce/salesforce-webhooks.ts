import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import { postWithRetries, type WebhookDelivery } from '../core/webhook-sender';
import type { SalesforceOptions } from '../sandbox-options';
import type { WritableObject } from './salesforce-schema';
import type { SfChange, SfChangeType } from './salesforce-store';

/**
 * One change in the sandbox's CDC-like relay. Shaped after Change Data Capture's ChangeEventHeader
 * (changeType, entityName, recordIds, commitTimestamp, commitUser, changedFields), delivered as
 * plain JSON over HTTPS because Corridor has no streaming (CometD/Pub/Sub) client.
 */
export interface SalesforceChangeNotification {
  changeType: SfChangeType;
  entityName: WritableObject;
  recordIds: string[];
  /** Epoch milliseconds of the commit. */
  commitTimestamp: number;
  commitUser: string;
  changedFields: string[];
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
}

export interface SalesforceRelayBody {
  orgId: string;
  /** Unique per delivery batch and stable across its retries, for deduplication. */
  deliveryId: string;
  attemptNumber: number;
  sentAt: number;
  changes: SalesforceChangeNotification[];
}

export type SalesforceChangeInput = Partial<SalesforceChangeNotification> &
  Pick<SalesforceChangeNotification, 'changeType' | 'entityName' | 'recordIds'>;

export interface SalesforceSendOptions {
  targetUrl?: string;
  secret?: string;
  maxAttempts?: number;
}

export const SECRET_HEADER = 'x-corridor-webhook-secret';
const MAX_CHANGES_PER_BATCH = 100;

export class SalesforceWebhooks {
  private queue: SalesforceChangeNotification[] = [];
  private sequence = 0;
  private flushing: Promise<void> | undefined;
  private readonly deliveries: WebhookDelivery[] = [];

  constructor(
    public options: SalesforceOptions,
    private readonly clock: SandboxClock,
    private readonly orgId: string,
    private readonly apiVersion: () => string,
  ) {}

  onChange(change: SfChange): void {
    const config = this.options.webhooks;
    if (!config.autoEmit || !config.targetUrl) return;
    if (change.api && !config.emitForApiWrites) return;
    this.queue.push(
      this.complete({
        changeType: change.changeType,
        entityName: change.entityName,
        recordIds: [change.id],
        commitTimestamp: change.at,
        commitUser: change.userId,
        changedFields: change.changedFields,
        changeOrigin: change.api ? `com/salesforce/api/rest/${this.apiVersion()}` : 'com/salesforce/ui',
      }),
    );
    this.scheduleFlush();
  }

  complete(input: SalesforceChangeInput): SalesforceChangeNotification {
    return {
      changeType: input.changeType,
      entityName: input.entityName,
      recordIds: input.recordIds,
      commitTimestamp: input.commitTimestamp ?? this.clock.now(),
      commitUser: input.commitUser ?? '',
      changedFields: input.changedFields ?? [],
      changeOrigin: input.changeOrigin ?? 'com/salesforce/ui',
      transactionKey: input.transactionKey ?? randomUUID(),
      sequenceNumber: input.sequenceNumber ?? ++this.sequence,
    };
  }

  pending(): SalesforceChangeNotification[] {
    return [...this.queue];
  }

  deliveryLog(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  async flush(): Promise<WebhookDelivery[]> {
    await this.flushing;
    const out: WebhookDelivery[] = [];
    while (this.queue.length > 0) out.push(await this.send(this.queue.splice(0, MAX_CHANGES_PER_BATCH)));
    return out;
  }

  async send(changes: (SalesforceChangeNotification | SalesforceChangeInput)[], options: SalesforceSendOptions = {}): Promise<WebhookDelivery> {
    const targetUrl = options.targetUrl ?? this.options.webhooks.targetUrl;
    if (!targetUrl) throw new Error('No Salesforce webhook target URL configured');
    const secret = options.secret ?? this.options.webhooks.secret;
    const complete = changes.map((c) => this.complete(c));
    const deliveryId = randomUUID();
    const delivery = await postWithRetries(
      targetUrl,
      (attempt) => {
        const body: SalesforceRelayBody = { orgId: this.orgId, deliveryId, attemptNumber: attempt, sentAt: Date.now(), changes: complete };
        return {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', [SECRET_HEADER]: secret, 'user-agent': 'Corridor-Sandbox-CDC-Relay/1.0' },
        };
      },
      { maxAttempts: options.maxAttempts ?? this.options.webhooks.maxAttempts, retryDelayMs: this.options.webhooks.retryDelayMs },
    );
    this.deliveries.push(delivery);
    if (this.deliveries.length > 1000) this.deliveries.splice(0, 500);
    return delivery;
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => {
      setImmediate(() => {
        void (async () => {
          try {
            while (this.queue.length > 0) await this.send(this.queue.splice(0, MAX_CHANGES_PER_BATCH)).catch(() => undefined);
          } finally {
            this.flushing = undefined;
            resolve();
          }
        })();
      });
    });
  }
}
