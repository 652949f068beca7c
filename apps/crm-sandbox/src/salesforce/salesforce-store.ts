import type { SandboxClock } from '../core/clock';
import { CURRENT, RecordStore, type Version, type View } from '../core/record-store';
import type { Timeline } from '../core/timeline';
import type { SfFields, SfValue } from './salesforce-generator';
import { makeId, parseId } from './salesforce-ids';
import type { WritableObject } from './salesforce-schema';

export interface SfData {
  /** Overrides on top of the generated values (base records) or all values (created records). */
  readonly fields: SfFields;
  /** Purged from the recycle bin (hard delete): no query, queryAll, getDeleted or GET sees it. */
  readonly purged?: boolean;
}

export type SfChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

export interface SfChange {
  changeType: SfChangeType;
  entityName: WritableObject;
  id: string;
  at: number;
  userId: string;
  changedFields: string[];
  /** Made through the REST API (the integration's own write) rather than the admin API. */
  api: boolean;
}

export interface SfProvenance {
  value: SfValue;
  by: string;
  at: number;
}

export interface SfWriteOptions {
  userId: string;
  /** Automation (flows, triggers) moves SystemModstamp but not LastModifiedDate/ById. */
  automation?: boolean;
  api: boolean;
  at?: number;
}

export class SalesforceRecordError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** One writable sObject (Contact or Lead): generated base + overlay, with write provenance. */
export class SalesforceObjectStore {
  readonly records: RecordStore<SfData>;
  onChange: ((change: SfChange) => void) | undefined;
  private readonly provenance = new Map<number, Record<string, SfProvenance>>();
  /** Records purged from the recycle bin; while 0, index counts need no per-row check. */
  purgedCount = 0;

  constructor(
    readonly object: WritableObject,
    private readonly prefix: string,
    private readonly base: (index: number) => SfFields,
    readonly timeline: Timeline,
    private readonly clock: SandboxClock,
  ) {
    this.records = new RecordStore<SfData>({
      baseCount: timeline.count,
      baseModstamp: (i) => timeline.at(i),
      baseLowerBound: (ms) => timeline.lowerBound(ms),
      now: () => clock.now(),
    });
  }

  idOf(ref: number): string {
    return makeId(this.prefix, ref);
  }

  /** Ref for an id of this object type, if such a record was ever created. */
  refOf(id: string): number | undefined {
    const parsed = parseId(id);
    if (!parsed || parsed.prefix !== this.prefix) return undefined;
    return this.records.head(parsed.serial) === null ? undefined : parsed.serial;
  }

  record(ref: number, view: View = CURRENT): SfFields | undefined {
    const version = this.records.visibleVersion(ref, view);
    if (version === null || version?.data.purged) return undefined;
    return this.materialize(ref, version);
  }

  materialize(ref: number, version: Version<SfData> | undefined): SfFields {
    const fields: SfFields = this.records.isBase(ref) ? this.base(ref) : { Id: this.idOf(ref) };
    if (version) {
      Object.assign(fields, version.data.fields);
      fields.SystemModstamp = version.modstamp;
      fields.IsDeleted = version.deleted;
    }
    return fields;
  }

  provenanceOf(ref: number): Record<string, SfProvenance> {
    return { ...(this.provenance.get(ref) ?? {}) };
  }

  /** Salesforce bumps SystemModstamp (and LastModifiedDate unless automation) on every update. */
  update(ref: number, changes: SfFields, options: SfWriteOptions): string[] {
    const before = this.record(ref);
    if (!before) throw new SalesforceRecordError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (before.IsDeleted) throw new SalesforceRecordError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const at = seconds(options.at ?? this.clock.now());
    const changed = Object.keys(changes).filter((name) => (before[name] ?? null) !== changes[name]);
    const next: SfFields = { ...changes };
    if ('FirstName' in changes || 'LastName' in changes) {
      const first = (changes.FirstName !== undefined ? changes.FirstName : before.FirstName) as string | null;
      const last = (changes.LastName !== undefined ? changes.LastName : before.LastName) as string | null;
      next.Name = [first, last].filter(Boolean).join(' ');
    }
    if (!options.automation) {
      next.LastModifiedDate = at;
      next.LastModifiedById = options.userId;
    }
    this.write(ref, next, false, at);
    this.remember(ref, changes, options.userId, at);
    this.onChange?.({
      changeType: 'UPDATE',
      entityName: this.object,
      id: this.idOf(ref),
      at,
      userId: options.userId,
      changedFields: changed,
      api: options.api,
    });
    return changed;
  }

  create(fields: SfFields, options: SfWriteOptions): string {
    const at = seconds(options.at ?? this.clock.now());
    const ref = this.records.allocateRef();
    const id = this.idOf(ref);
    const full: SfFields = {
      ...fields,
      Id: id,
      Name: [fields.FirstName, fields.LastName].filter(Boolean).join(' '),
      CreatedDate: at,
      CreatedById: options.userId,
      LastModifiedDate: at,
      LastModifiedById: options.userId,
    };
    this.write(ref, full, false, at);
    this.remember(ref, fields, options.userId, at);
    this.onChange?.({
      changeType: 'CREATE',
      entityName: this.object,
      id,
      at,
      userId: options.userId,
      changedFields: Object.keys(fields),
      api: options.api,
    });
    return id;
  }

  /** To the recycle bin; a merge's loser also gets MasterRecordId (the record it was merged into). */
  delete(ref: number, options: SfWriteOptions & { masterRecordId?: string }): void {
    const before = this.record(ref);
    if (!before) throw new SalesforceRecordError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (before.IsDeleted) throw new SalesforceRecordError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const at = seconds(options.at ?? this.clock.now());
    const changes: SfFields = { LastModifiedDate: at, LastModifiedById: options.userId };
    if (options.masterRecordId) changes.MasterRecordId = options.masterRecordId;
    this.write(ref, changes, true, at);
    this.onChange?.({ changeType: 'DELETE', entityName: this.object, id: this.idOf(ref), at, userId: options.userId, changedFields: [], api: options.api });
  }

  /**
   * Empties the record out of the recycle bin (Database.emptyRecycleBin, or the bin's own expiry):
   * it leaves no trace a poller can see, not even a getDeleted entry. Only deleted records can be purged.
   */
  purge(ref: number): void {
    const before = this.record(ref);
    if (!before) throw new SalesforceRecordError(404, 'NOT_FOUND', 'The requested resource does not exist');
    if (!before.IsDeleted) throw new SalesforceRecordError(400, 'INVALID_OPERATION', 'Only records in the recycle bin can be purged');
    const head = this.records.head(ref);
    const modstamp = head ? head.modstamp : this.records.modstampOf(ref, undefined);
    this.records.write(ref, { data: { fields: head ? head.data.fields : {}, purged: true }, deleted: true, modstamp, visibleFrom: this.clock.now() });
    this.purgedCount++;
  }

  undelete(ref: number, options: SfWriteOptions): void {
    const before = this.record(ref);
    if (!before || !before.IsDeleted) {
      throw new SalesforceRecordError(400, 'UNDELETE_FAILED', 'Entity is not in the recycle bin');
    }
    const at = seconds(options.at ?? this.clock.now());
    this.write(ref, { LastModifiedDate: at, LastModifiedById: options.userId }, false, at);
    this.onChange?.({ changeType: 'UNDELETE', entityName: this.object, id: this.idOf(ref), at, userId: options.userId, changedFields: [], api: options.api });
  }

  /** Deleted at reset (recycle bin), at a time after the record's own modification. */
  seedDeleted(count: number, endMs: number, userId: string): void {
    const total = this.records.baseCount;
    const n = Math.min(count, total);
    for (let k = 0; k < n; k++) {
      const ref = Math.floor(((k + 0.5) * total) / n);
      const at = seconds(Math.min(endMs, this.timeline.at(ref) + 3_600_000 * (1 + (k % 48))));
      this.write(ref, { LastModifiedDate: at, LastModifiedById: userId }, true, at);
    }
  }

  private write(ref: number, changes: SfFields, deleted: boolean, at: number): void {
    const head = this.records.head(ref);
    const previous = head ? head.data.fields : {};
    // An undelete clears a merge loser's MasterRecordId.
    const fields = { ...previous, ...changes };
    if (!deleted) delete fields.MasterRecordId;
    this.records.write(ref, { data: { fields }, deleted, modstamp: at, visibleFrom: at });
  }

  private remember(ref: number, values: SfFields, by: string, at: number): void {
    let record = this.provenance.get(ref);
    if (!record) {
      record = {};
      this.provenance.set(ref, record);
    }
    for (const [name, value] of Object.entries(values)) record[name] = { value, by, at };
  }
}
