import { CrmConnector, CrmError, CrmObject, CrmTaskInput, DeliveryAttempt, DomainError, SendOutcome, TreatmentSender } from '@corridor/domain';

export interface CrmTreatmentTarget {
  connectionId: string;
  externalId: string;
  crmObject: CrmObject;
  deleted: boolean;
}

export interface CrmTreatmentSenderOptions {
  /** The CRM record a customer came from (null: no such customer). */
  target(customerId: string): Promise<CrmTreatmentTarget | null>;
  /** The connection's connector, wired to its shared rate budget. */
  connector(connectionId: string): Promise<CrmConnector>;
  now?: () => Date;
}

const DAY_MS = 24 * 3600_000;

/**
 * CRM treatments (task for the owner, property update, list/campaign membership) through the
 * connection's connector, so every request is counted in the connection's rate budget. A CRM that
 * is rate-limited or away is retryable (with its Retry-After); a refusal (unknown list, bad value,
 * the record gone) is permanent.
 *
 * Every treatment is safe to retry after an answer was lost: a task carries the delivery's webhook
 * id and the connector looks for it before creating; a property set or a list/campaign membership
 * is idempotent by nature (the same value again, already a member is success). A Salesforce org
 * without the task key field still gets its tasks: delivered, with a notice saying why not exactly once.
 */
export class CrmTreatmentSender implements TreatmentSender {
  readonly types = ['crm_task', 'crm_property', 'crm_list'] as const;
  private readonly now: () => Date;

  constructor(private readonly options: CrmTreatmentSenderOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async send(attempt: DeliveryAttempt): Promise<SendOutcome> {
    const target = await this.options.target(attempt.customerId);
    if (!target || target.deleted) return { kind: 'permanent', error: 'the customer is no longer in the CRM' };
    let connector: CrmConnector;
    try {
      connector = await this.options.connector(attempt.connectionId ?? target.connectionId);
    } catch (e) {
      return outcomeOf(e);
    }
    const record = { externalId: target.externalId, crmObject: target.crmObject };
    const r = attempt.request;
    try {
      switch (attempt.treatmentType) {
        case 'crm_task': {
          if (typeof r.subject !== 'string' || !r.subject) return { kind: 'permanent', error: 'the task has no subject' };
          const task = await connector.createTask(record, { ...taskOf(r, this.now()), idempotencyKey: attempt.webhookId });
          // Made, but not exactly once (the CRM cannot carry the key): the delivery says so.
          return task.notIdempotent ? { kind: 'delivered', notice: `${task.notIdempotent.code}: ${task.notIdempotent.message}` } : { kind: 'delivered' };
        }
        case 'crm_property':
          if (typeof r.property !== 'string' || !r.property) return { kind: 'permanent', error: 'the property update names no property' };
          await connector.setProperty(record, r.property, String(r.value ?? ''));
          return { kind: 'delivered' };
        case 'crm_list':
          if (typeof r.listId !== 'string' || !r.listId) return { kind: 'permanent', error: 'the list treatment names no list' };
          await connector.addToList(record, r.listId);
          return { kind: 'delivered' };
        default:
          return { kind: 'permanent', error: `not a CRM treatment: ${attempt.treatmentType}` };
      }
    } catch (e) {
      return outcomeOf(e);
    }
  }
}

/** `dueAt` as rendered at decision time, or `dueInDays` from now (a treatment's raw config). */
function taskOf(r: Record<string, unknown>, now: Date): CrmTaskInput {
  const dueAt = typeof r.dueAt === 'string' && !Number.isNaN(Date.parse(r.dueAt)) ? new Date(r.dueAt).toISOString() : new Date(now.getTime() + Number(r.dueInDays ?? 0) * DAY_MS).toISOString();
  const priority = r.priority === 'low' || r.priority === 'medium' || r.priority === 'high' ? r.priority : undefined;
  return { subject: String(r.subject), ...(typeof r.body === 'string' && r.body ? { body: r.body } : {}), dueAt, ...(priority ? { priority } : {}) };
}

function outcomeOf(e: unknown): SendOutcome {
  if (e instanceof CrmError) {
    const error = `${e.code}: ${e.message}`.slice(0, 500);
    if (e.transient) return { kind: 'retryable', error, ...(e.status ? { statusCode: e.status } : {}), ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
    return { kind: 'permanent', error, ...(e.status ? { statusCode: e.status } : {}) };
  }
  if (e instanceof DomainError) return e.transient ? { kind: 'retryable', error: `${e.code}: ${e.message}` } : { kind: 'permanent', error: `${e.code}: ${e.message}` };
  throw e;
}
