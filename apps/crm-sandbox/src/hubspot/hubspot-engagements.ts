import { HubSpotError } from './hubspot-store';

/** Task → contact, HUBSPOT_DEFINED (the id HubSpot documents for the default association). */
export const TASK_TO_CONTACT_ASSOCIATION = 204;
const TASK_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH'];
const TASK_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED', 'DEFERRED'];

export interface HubSpotTask {
  id: string;
  properties: Record<string, string | null>;
  /** Associated contact ids. */
  contactIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface HubSpotList {
  listId: string;
  name: string;
  /** Only MANUAL and SNAPSHOT lists take memberships through the API; DYNAMIC ones are rule-driven. */
  processingType: 'MANUAL' | 'SNAPSHOT' | 'DYNAMIC';
  members: Set<string>;
}

/**
 * Tasks (CRM v3 objects) and lists (v3 lists API, memberships), as far as Corridor's treatments use
 * them: create a task associated with a contact, add contacts to a manual list. Validation follows
 * HubSpot: `hs_timestamp` is required on a task, enumerations refuse unknown options, an
 * association to a missing contact is a 400, a DYNAMIC list refuses manual adds, an unknown list is a
 * 404, and record ids that are not contacts come back in `recordIdsMissing`.
 */
export class HubSpotEngagements {
  readonly tasks = new Map<string, HubSpotTask>();
  /** Custom task properties (the default ones start with hs_, plus hubspot_owner_id). */
  readonly taskProperties = new Map<string, Record<string, unknown>>();
  readonly lists = new Map<string, HubSpotList>();
  private nextTaskId = 90_000_000_001;
  private nextListId = 1;

  constructor(private readonly contactExists: (id: string) => string | undefined, private readonly now: () => number) {}

  createTask(body: unknown): HubSpotTask {
    const input = (body ?? {}) as { properties?: Record<string, unknown>; associations?: unknown };
    const props: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(input.properties ?? {})) props[k] = v === null || v === undefined ? null : String(v);
    const errors: Array<{ message: string; code: string; context: Record<string, string[]> }> = [];
    if (!props.hs_timestamp) errors.push({ message: 'hs_timestamp is required', code: 'REQUIRED_PROPERTY', context: { propertyName: ['hs_timestamp'] } });
    else if (Number.isNaN(Date.parse(props.hs_timestamp)) && !/^\d+$/.test(props.hs_timestamp)) {
      errors.push({ message: `${props.hs_timestamp} was not a valid long or ISO 8601 date`, code: 'INVALID_DATE', context: { propertyName: ['hs_timestamp'] } });
    }
    if (props.hs_task_priority && !TASK_PRIORITIES.includes(props.hs_task_priority)) {
      errors.push({ message: `${props.hs_task_priority} was not one of the allowed options: [${TASK_PRIORITIES.join(', ')}]`, code: 'INVALID_OPTION', context: { propertyName: ['hs_task_priority'] } });
    }
    if (props.hs_task_status && !TASK_STATUSES.includes(props.hs_task_status)) {
      errors.push({ message: `${props.hs_task_status} was not one of the allowed options`, code: 'INVALID_OPTION', context: { propertyName: ['hs_task_status'] } });
    }
    for (const name of Object.keys(props)) {
      if (!name.startsWith('hs_') && name !== 'hubspot_owner_id' && !this.taskProperties.has(name)) {
        errors.push({ message: `Property "${name}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [name] } });
      }
    }
    if (errors.length) throw new HubSpotError(400, `Property values were not valid: ${JSON.stringify(errors.map((e) => e.message))}`, 'VALIDATION_ERROR', { errors });
    const contactIds: string[] = [];
    for (const a of Array.isArray(input.associations) ? (input.associations as Array<Record<string, any>>) : []) {
      const to = String(a?.to?.id ?? '');
      const types = Array.isArray(a?.types) ? a.types : [];
      if (!types.some((t: Record<string, unknown>) => Number(t.associationTypeId) === TASK_TO_CONTACT_ASSOCIATION)) {
        throw new HubSpotError(400, `Invalid association type for task to ${to}`, 'VALIDATION_ERROR');
      }
      const resolved = this.contactExists(to);
      if (!resolved) throw new HubSpotError(400, `One or more associations are invalid: contact ${to} does not exist`, 'VALIDATION_ERROR');
      contactIds.push(resolved);
    }
    const at = new Date(this.now()).toISOString();
    const id = String(this.nextTaskId++);
    const task: HubSpotTask = {
      id,
      properties: { hs_task_status: 'NOT_STARTED', ...props, hs_object_id: id, hs_createdate: at, hs_lastmodifieddate: at },
      contactIds,
      createdAt: at,
      updatedAt: at,
    };
    this.tasks.set(id, task);
    return task;
  }

  /** POST /crm/v3/properties/tasks: a custom task property (HubSpot's naming rule; an existing name is a 409). */
  createTaskProperty(body: unknown): Record<string, unknown> {
    const input = (body ?? {}) as Record<string, unknown>;
    const name = String(input.name ?? '');
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new HubSpotError(400, `Property name ${name} is not valid`, 'VALIDATION_ERROR');
    if (!input.type || !input.fieldType || !input.label || !input.groupName) throw new HubSpotError(400, 'name, label, type, fieldType and groupName are required', 'VALIDATION_ERROR');
    if (name.startsWith('hs_') || this.taskProperties.has(name)) throw new HubSpotError(409, `Property ${name} already exists`, 'CONFLICT');
    const at = new Date(this.now()).toISOString();
    const prop = { name, label: String(input.label), type: String(input.type), fieldType: String(input.fieldType), groupName: String(input.groupName), hasUniqueValue: false, createdAt: at, updatedAt: at };
    this.taskProperties.set(name, prop);
    return prop;
  }

  /** Ids of the tasks associated with a contact. */
  tasksOf(contactId: string): string[] {
    return [...this.tasks.values()].filter((t) => t.contactIds.includes(contactId)).map((t) => t.id);
  }

  createList(name: string, processingType: HubSpotList['processingType'] = 'MANUAL'): HubSpotList {
    if ([...this.lists.values()].some((l) => l.name === name)) throw new HubSpotError(409, `A list named ${name} already exists`, 'CONFLICT');
    const list: HubSpotList = { listId: String(this.nextListId++), name, processingType, members: new Set() };
    this.lists.set(list.listId, list);
    return list;
  }

  addMembers(listId: string, body: unknown): { recordIdsAdded: string[]; recordIdsMissing: string[] } {
    const list = this.lists.get(listId);
    if (!list) throw new HubSpotError(404, `List ${listId} does not exist`, 'OBJECT_NOT_FOUND');
    if (!Array.isArray(body)) throw new HubSpotError(400, 'Invalid input JSON: expected an array of record ids', 'VALIDATION_ERROR');
    if (list.processingType === 'DYNAMIC') throw new HubSpotError(400, `List ${listId} is DYNAMIC: its memberships cannot be changed manually`, 'VALIDATION_ERROR');
    const recordIdsAdded: string[] = [];
    const recordIdsMissing: string[] = [];
    for (const raw of body) {
      const resolved = this.contactExists(String(raw));
      if (!resolved) recordIdsMissing.push(String(raw));
      else if (!list.members.has(resolved)) {
        list.members.add(resolved);
        recordIdsAdded.push(resolved);
      }
    }
    return { recordIdsAdded, recordIdsMissing };
  }

  /** `names`: only those properties (and hs_object_id, hs_createdate, hs_lastmodifieddate), as the batch read returns them. */
  taskJson(t: HubSpotTask, names?: string[]): Record<string, unknown> {
    const properties = names
      ? Object.fromEntries([...new Set([...names, 'hs_object_id', 'hs_createdate', 'hs_lastmodifieddate'])].map((n) => [n, t.properties[n] ?? null]))
      : t.properties;
    return { id: t.id, properties, createdAt: t.createdAt, updatedAt: t.updatedAt, archived: false };
  }
}
