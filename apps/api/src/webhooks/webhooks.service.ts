import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { APPLY_WEBHOOK_EVENTS } from '@corridor/contracts';
import {
  HUBSPOT_OWN_PROPERTIES,
  parseHubSpotEvents,
  parseSalesforceChanges,
  SALESFORCE_RESERVED_FIELDS,
  sharedSecretMatches,
  SignedRequest,
  verifyHubSpotSignatureV3,
  writebackTargetsOf,
} from '@corridor/crm';
import { CrmWebhookEvent, DomainError, NotFoundError, ValidationError } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { ConnectionRepository, CrmSyncStore } from '@corridor/persistence';

export interface WebhookReceipt {
  received: number;
  /** Events not seen before (redeliveries are dropped by the unique (connection, event id)). */
  accepted: number;
}

/** Verifies, records (deduplicated in Postgres) and hands webhook events to a crm-sync job. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly store: CrmSyncStore,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /** The URI HubSpot signed: PUBLIC_URL when Corridor sits behind a proxy, else what the request says. */
  fullUri(protocol: string, host: string, originalUrl: string): string {
    return this.config.PUBLIC_URL ? `${this.config.PUBLIC_URL.replace(/\/+$/, '')}${originalUrl}` : `${protocol}://${host}${originalUrl}`;
  }

  async receiveHubSpot(connectionId: string, req: SignedRequest & { body: unknown }): Promise<WebhookReceipt> {
    const connection = await this.connections.get(connectionId);
    const secret = connection.credentials.kind === 'hubspot' ? connection.credentials.webhookClientSecret : undefined;
    if (!secret) throw new NotFoundError('HubSpot webhook of connection', connectionId, 'WEBHOOK_NOT_CONFIGURED');
    const verdict = verifyHubSpotSignatureV3(req, secret, Date.now());
    if (verdict !== 'ok') {
      const code = verdict === 'stale' ? 'WEBHOOK_TIMESTAMP_STALE' : 'WEBHOOK_SIGNATURE_INVALID';
      throw new DomainError(code, verdict === 'stale' ? 'Webhook timestamp is missing or older than 5 minutes' : 'Webhook signature does not match', 'unauthenticated');
    }
    if (!Array.isArray(req.body)) throw new ValidationError('Expected a JSON array of events', [{ field: 'body', message: 'must be an array' }]);
    // Changes of what Corridor itself wrote back are not customer changes: they are not recorded.
    const own = new Set([...HUBSPOT_OWN_PROPERTIES, ...Object.values(writebackTargetsOf('hubspot', connection.settings))]);
    return this.accept(connection.id, parseHubSpotEvents(req.body, own), (req.body as unknown[]).length);
  }

  async receiveSalesforce(connectionId: string, secretHeader: string | undefined, body: unknown): Promise<WebhookReceipt> {
    const connection = await this.connections.get(connectionId);
    const secret = connection.credentials.kind === 'salesforce' ? connection.credentials.webhookSecret : undefined;
    if (!secret) throw new NotFoundError('Salesforce webhook of connection', connectionId, 'WEBHOOK_NOT_CONFIGURED');
    if (!sharedSecretMatches(secretHeader, secret)) {
      throw new DomainError('WEBHOOK_SECRET_INVALID', 'X-Corridor-Webhook-Secret does not match', 'unauthenticated');
    }
    const changes = (body as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) throw new ValidationError('Expected {changes: [...]}', [{ field: 'changes', message: 'must be an array' }]);
    return this.accept(connection.id, parseSalesforceChanges(body, new Set([...SALESFORCE_RESERVED_FIELDS, ...Object.values(writebackTargetsOf('salesforce', connection.settings))])), changes.length);
  }

  private async accept(connectionId: string, events: CrmWebhookEvent[], received: number): Promise<WebhookReceipt> {
    const accepted = await this.store.recordWebhookEvents(connectionId, events);
    if (accepted > 0) await this.jobs.enqueue(APPLY_WEBHOOK_EVENTS, { connectionId });
    return { received, accepted };
  }
}
