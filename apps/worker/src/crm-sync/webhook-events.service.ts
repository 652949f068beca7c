import { Injectable, Logger } from '@nestjs/common';
import { CrmConnectorFactory } from '@corridor/crm';
import { CrmMerge } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { ConnectionRepository, CrmSyncStore } from '@corridor/persistence';
import { enqueueEvaluations } from './evaluation-dispatch';

const EVENTS_PER_BATCH = 500;

/**
 * Applies webhook events within seconds: deletes directly, changed and merged records by reading
 * their current state (batch read), all in one transaction with the events' processed mark. The
 * scheduled incremental sync stays the source of truth; this only makes changes show up sooner.
 */
@Injectable()
export class WebhookEventsService {
  private readonly logger = new Logger('crm-webhooks');

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly store: CrmSyncStore,
    private readonly connectors: CrmConnectorFactory,
    private readonly jobs: JobProducer,
  ) {}

  async applyPending(connectionId: string): Promise<{ events: number; changed: number }> {
    const connection = await this.connections.get(connectionId);
    const connector = this.connectors.create(connection);
    let events = 0;
    let changed = 0;
    for (;;) {
      const pending = await this.store.pendingWebhookEvents(connectionId, EVENTS_PER_BATCH);
      if (pending.length === 0) break;
      const deleted = new Set<string>();
      const toRead = new Set<string>();
      const merges: CrmMerge[] = [];
      for (const e of pending) {
        if (e.kind === 'delete') e.objectIds.forEach((id) => deleted.add(id));
        else if (e.kind === 'merge') {
          const [survivor, ...merged] = e.objectIds;
          merges.push({ survivorExternalId: survivor, mergedExternalIds: merged });
          toRead.add(survivor);
        } else e.objectIds.forEach((id) => toRead.add(id));
      }
      for (const id of deleted) toRead.delete(id);
      const page = toRead.size ? await connector.readByIds([...toRead]) : { customers: [], deletedExternalIds: [], merges: [] };
      const change = await this.store.applyWebhookChanges(
        connectionId,
        pending.map((e) => e.id),
        {
          customers: page.customers,
          deletedExternalIds: [...deleted, ...page.deletedExternalIds],
          merges: [...page.merges, ...merges],
        },
      );
      await enqueueEvaluations(this.jobs, { newCustomer: change.newCustomerIds, dataChange: change.dataChangeIds }, { bulk: false });
      events += pending.length;
      changed += change.newCustomerIds.length + change.dataChangeIds.length;
      if (pending.length < EVENTS_PER_BATCH) break;
    }
    if (events) this.logger.log({ connectionId, events, changed, msg: 'webhook events applied' });
    return { events, changed };
  }
}
