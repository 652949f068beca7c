import { createHash, createHmac } from 'node:crypto';
import type { SandboxClock } from '../core/clock';
import { hashString } from '../core/prng';
import { WebhookOutbox } from '../core/webhook-outbox';
import { postWithRetries, type WebhookDelivery } from '../core/webhook-sender';
import type { HubSpotOptions, HubSpotWebhookOptions } from '../sandbox-options';
import type { HubSpotChange, HubSpotStore } from './hubspot-store';

export type HubSpotSubscriptionType =
  | 'contact.creation'
  | 'contact.deletion'
  | 'contact.propertyChange'
  | 'contact.merge'
  | 'contact.restore';

export interface HubSpotWebhookEvent {
  eventId: number;
  subscriptionId: number;
  portalId: number;
  appId: number;
  occurredAt: number;
  subscriptionType: HubSpotSubscriptionType;
  attemptNumber: number;
  objectId: number;
  changeSource: string;
  sourceId?: string;
  changeFlag?: string;
  propertyName?: string;
  propertyValue?: string;
  primaryObjectId?: number;
  mergedObjectIds?: number[];
  newObjectId?: number;
  numberOfPropertiesMoved?: number;
}

/** What a caller supplies to send a hand-made batch; the rest is filled in. */
export type HubSpotEventInput = Partial<HubSpotWebhookEvent> & { subscriptionType: HubSpotSubscriptionType; objectId: number };

export interface HubSpotSendOptions {
  targetUrl?: string;
  clientSecret?: string;
  /** Override X-HubSpot-Request-Timestamp (ms), e.g. to test the 5-minute replay window. */
  timestamp?: number;
  /** Corrupt the signature, to test rejection. */
  badSignature?: boolean;
  maxAttempts?: number;
}

const SUBSCRIPTION_IDS: Record<HubSpotSubscriptionType, number> = {
  'contact.creation': 4_100_001,
  'contact.deletion': 4_100_002,
  'contact.propertyChange': 4_100_003,
  'contact.merge': 4_100_004,
  'contact.restore': 4_100_005,
};

export const MAX_EVENTS_PER_BATCH = 100;

/** base64(HMAC-SHA256(secret, method + uri + body + timestamp)): HubSpot's v3 request signature. */
export function hubSpotSignatureV3(secret: string, method: string, uri: string, body: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${method}${uri}${body}${timestamp}`).digest('base64');
}

/**
 * Outgoing HubSpot webhooks: batches of at most 100 events, signed (v1 and v3 headers), retried on
 * failure with increasing attemptNumber. Events repeat on retries, so receivers dedupe by eventId.
 */
export class HubSpotWebhooks {
  private nextEventId: number;
  private readonly outbox = new WebhookOutbox<HubSpotWebhookEvent>(MAX_EVENTS_PER_BATCH, (batch) => this.send(batch));

  constructor(
    public options: HubSpotOptions,
    private readonly clock: SandboxClock,
    private readonly store: HubSpotStore,
  ) {
    this.nextEventId = 1_000_000 + (hashString(String(options.portalId)) % 1_000_000);
  }

  get config(): HubSpotWebhookOptions {
    return this.options.webhooks;
  }

  /** Turns a store change into events and queues them when automatic emission is on. */
  onChange(change: HubSpotChange): void {
    const config = this.options.webhooks;
    if (!config.autoEmit || !config.targetUrl) return;
    if (change.source.api && !config.emitForApiWrites) return;
    this.outbox.enqueue(this.eventsFor(change));
  }

  eventsFor(change: HubSpotChange): HubSpotWebhookEvent[] {
    const objectId = Number(this.store.idOf(change.ref));
    const base = { objectId, occurredAt: change.at, changeSource: change.source.changeSource, sourceId: change.source.sourceId };
    switch (change.kind) {
      case 'creation':
        return [this.event({ ...base, subscriptionType: 'contact.creation', changeFlag: 'CREATED' })];
      case 'deletion':
        return [this.event({ ...base, subscriptionType: 'contact.deletion', changeFlag: 'DELETED' })];
      case 'restore':
        return [this.event({ ...base, subscriptionType: 'contact.restore', changeFlag: 'RESTORED' })];
      case 'merge':
        return [
          this.event({
            ...base,
            subscriptionType: 'contact.merge',
            changeFlag: 'MERGED',
            primaryObjectId: Number(this.store.idOf(change.primaryRef)),
            mergedObjectIds: change.mergedRefs.filter((r) => r !== change.primaryRef).map((r) => Number(this.store.idOf(r))),
            newObjectId: objectId,
            numberOfPropertiesMoved: 0,
          }),
        ];
      case 'propertyChange': {
        const wanted = this.options.webhooks.propertyChangeProperties;
        return Object.entries(change.changes)
          .filter(([name]) => wanted === '*' || wanted.includes(name))
          .map(([name, value]) =>
            this.event({
              ...base,
              subscriptionType: 'contact.propertyChange',
              propertyName: name,
              propertyValue: value ?? '',
              subscriptionId: SUBSCRIPTION_IDS['contact.propertyChange'] + (hashString(name) % 1000) * 10,
            }),
          );
      }
    }
  }

  event(input: HubSpotEventInput): HubSpotWebhookEvent {
    const event: HubSpotWebhookEvent = {
      eventId: input.eventId ?? this.nextEventId++,
      subscriptionId: input.subscriptionId ?? SUBSCRIPTION_IDS[input.subscriptionType],
      portalId: input.portalId ?? this.options.portalId,
      appId: input.appId ?? this.options.appId,
      occurredAt: input.occurredAt ?? this.clock.now(),
      subscriptionType: input.subscriptionType,
      attemptNumber: input.attemptNumber ?? 0,
      objectId: input.objectId,
      changeSource: input.changeSource ?? 'CRM_UI',
    };
    for (const key of [
      'sourceId',
      'changeFlag',
      'propertyName',
      'propertyValue',
      'primaryObjectId',
      'mergedObjectIds',
      'newObjectId',
      'numberOfPropertiesMoved',
    ] as const) {
      if (input[key] !== undefined) (event as unknown as Record<string, unknown>)[key] = input[key];
    }
    return event;
  }

  pending(): HubSpotWebhookEvent[] {
    return this.outbox.pending();
  }

  deliveryLog(): WebhookDelivery[] {
    return this.outbox.deliveryLog();
  }

  /** Sends queued events now, in batches of at most 100; resolves when all were attempted. */
  flush(): Promise<WebhookDelivery[]> {
    return this.outbox.flush();
  }

  /** Sends one signed batch (events completed with defaults) to the target. */
  async send(events: (HubSpotWebhookEvent | HubSpotEventInput)[], options: HubSpotSendOptions = {}): Promise<WebhookDelivery> {
    const targetUrl = options.targetUrl ?? this.options.webhooks.targetUrl;
    if (!targetUrl) throw new Error('No HubSpot webhook target URL configured');
    if (events.length > MAX_EVENTS_PER_BATCH) throw new Error(`A batch holds at most ${MAX_EVENTS_PER_BATCH} events`);
    const secret = options.clientSecret ?? this.options.webhooks.clientSecret;
    const complete = events.map((e) => this.event(e));
    const delivery = await postWithRetries(
      targetUrl,
      (attempt) => {
        const body = JSON.stringify(complete.map((e) => ({ ...e, attemptNumber: e.attemptNumber + attempt })));
        const timestamp = options.timestamp ?? Date.now();
        let v3 = hubSpotSignatureV3(secret, 'POST', targetUrl, body, timestamp);
        if (options.badSignature) v3 = `${v3.slice(0, -4)}AAA=`;
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon',
            'x-hubspot-signature': createHash('sha256').update(secret + body).digest('hex'),
            'x-hubspot-signature-version': 'v1',
            'x-hubspot-signature-v3': v3,
            'x-hubspot-request-timestamp': String(timestamp),
          },
        };
      },
      {
        maxAttempts: options.maxAttempts ?? this.options.webhooks.maxAttempts,
        retryDelayMs: this.options.webhooks.retryDelayMs,
      },
    );
    return this.outbox.record(delivery);
  }
}
