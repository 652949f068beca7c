import { randomUUID } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import { WebhookOutbox } from '../core/webhook-outbox';
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
  private sequence = 0;
  private readonly outbox = new WebhookOutbox<SalesforceChangeNotification>(MAX_CHANGES_PER_BATCH, (batch) => this.send(batch));

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
    this.outbox.enqueue([
      this.complete({
        changeType: change.changeType,
        entityName: change.entityName,
        recordIds: [change.id],
        commitTimestamp: change.at,
        commitUser: change.userId,
        changedFields: change.changedFields,
        changeOrigin: change.api ? `com/salesforce/api/rest/${this.apiVersion()}` : 'com/salesforce/ui',
      }),
    ]);
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
    return this.outbox.pending();
  }

  deliveryLog(): WebhookDelivery[] {
    return this.outbox.deliveryLog();
  }

  flush(): Promise<WebhookDelivery[]> {
    return this.outbox.flush();
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
    return this.outbox.record(delivery);
  }
}
