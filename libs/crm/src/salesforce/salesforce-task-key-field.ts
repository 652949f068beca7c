/** Task custom field (Text 64) carrying the idempotency key of the delivery that created the Task. */
export const SALESFORCE_TASK_KEY_FIELD = 'Corridor_Delivery_Id__c';

/** Where an admin reads what the field is for and how to add it. */
const DOC = 'see docs/treatments.md, "Salesforce orgs without Task.Corridor_Delivery_Id__c"';

export const TASK_KEY_FIELD_MISSING = 'CRM_TASK_KEY_FIELD_MISSING';
export const TASK_KEY_FIELD_UNUSABLE = 'CRM_TASK_KEY_FIELD_UNUSABLE';

/** Whether tasks can carry the key: null when they can, else why not, in an admin's words. */
export type TaskKeyFieldProblem = { code: string; message: string } | null;

interface DescribedTaskField {
  name: string;
  type: string;
  createable?: boolean;
  filterable?: boolean;
}

const CONSEQUENCE = 'CRM task treatments are still created, but without the delivery id, so a retry after a lost answer can create a second task';

/**
 * Judges Task's describe: the key field must exist (describe lists only fields the integration user
 * can see), be text, be writable on create and usable in a SOQL WHERE (the lookup before a create).
 */
export function taskKeyFieldProblem(fields: readonly DescribedTaskField[]): TaskKeyFieldProblem {
  const f = fields.find((x) => x.name === SALESFORCE_TASK_KEY_FIELD);
  const add = `Add a custom Activity field ${SALESFORCE_TASK_KEY_FIELD} (Text, length 64), visible and editable to the integration user (${DOC})`;
  if (!f) {
    return { code: TASK_KEY_FIELD_MISSING, message: `Salesforce field Task.${SALESFORCE_TASK_KEY_FIELD} does not exist or the integration user cannot see it: ${CONSEQUENCE}. ${add}` };
  }
  const why =
    !['string', 'textarea'].includes(f.type) ? `is of type ${f.type}, not text`
    : f.createable === false ? 'is read-only for the integration user'
    : f.filterable === false ? 'cannot be filtered on in SOQL'
    : null;
  return why ? { code: TASK_KEY_FIELD_UNUSABLE, message: `Salesforce field Task.${SALESFORCE_TASK_KEY_FIELD} ${why}: ${CONSEQUENCE}. ${add}` } : null;
}

/** How long a connection's answer is kept: an admin's fix is picked up within this without a restart. */
export const TASK_KEY_FIELD_CACHE_TTL_MS = 5 * 60_000;

/**
 * The key field's state per connection, for this process: without it every task would cost a
 * describe call. Concurrent first looks share one describe; a failed describe is not kept.
 */
export class SalesforceTaskFieldCache {
  private readonly entries = new Map<string, { at: number; state: Promise<TaskKeyFieldProblem> }>();

  constructor(
    readonly ttlMs = TASK_KEY_FIELD_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get(connectionId: string, describe: () => Promise<TaskKeyFieldProblem>): Promise<TaskKeyFieldProblem> {
    const hit = this.entries.get(connectionId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.state;
    const state = describe();
    const entry = { at: this.now(), state };
    this.entries.set(connectionId, entry);
    state.catch(() => {
      if (this.entries.get(connectionId) === entry) this.entries.delete(connectionId);
    });
    return state;
  }

  /** What the CRM said since contradicts the cached answer (the field went): ask again next time. */
  forget(connectionId: string): void {
    this.entries.delete(connectionId);
  }
}
