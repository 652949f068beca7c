import type { SandboxClock } from '../core/clock';
import { CURRENT, RecordStore, type Version, type View } from '../core/record-store';
import type { HubSpotOptions } from '../sandbox-options';
import { HubSpotContactGenerator, type HubSpotProps } from './hubspot-generator';
import { defaultContactProperties, type HubSpotPropertyDef } from './hubspot-properties';

export interface HubSpotData {
  /** Overrides on top of the generated values (base records) or all values (created records). */
  readonly props: HubSpotProps;
  readonly createdAt?: number;
  readonly archivedAt?: number;
  /** Set on both records of a merge: the ref of the record that replaced them. */
  readonly mergedInto?: number;
  /** GDPR delete: the record is gone for good (no archived copy, GET 404, no merge resolution). */
  readonly gdprDeleted?: boolean;
}

export interface HubSpotRecord {
  ref: number;
  id: string;
  props: HubSpotProps;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  mergedInto?: number;
}

export interface WriteProvenance {
  value: string | null;
  by: string;
  at: number;
}

export interface WriteLogEntry {
  at: number;
  by: string;
  id: string;
  properties: Record<string, string | null>;
}

/** Who caused a change, as HubSpot webhooks report it. */
export interface ChangeSource {
  changeSource: string;
  sourceId?: string;
  /** true when the change came through the public API (a client's own write). */
  api: boolean;
}

export type HubSpotChange =
  | { kind: 'creation'; ref: number; at: number; source: ChangeSource; props: HubSpotProps }
  | { kind: 'propertyChange'; ref: number; at: number; source: ChangeSource; changes: HubSpotProps }
  | { kind: 'deletion'; ref: number; at: number; source: ChangeSource }
  | { kind: 'restore'; ref: number; at: number; source: ChangeSource }
  | { kind: 'merge'; ref: number; at: number; source: ChangeSource; primaryRef: number; mergedRefs: number[] };

export class HubSpotError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly category: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const WRITE_LOG_LIMIT = 50_000;

/** HubSpot contacts: generated base + overlay, merges, archive, provenance of every write. */
export class HubSpotStore {
  readonly generator: HubSpotContactGenerator;
  readonly records: RecordStore<HubSpotData>;
  readonly catalog = new Map<string, HubSpotPropertyDef>();
  /** Property groups (`/crm/v3/properties/contacts/groups`): a property can only be created in one that exists. */
  readonly propertyGroups = new Map<string, HubSpotPropertyGroup>();
  onChange: ((change: HubSpotChange) => void) | undefined;
  private readonly provenance = new Map<number, Record<string, WriteProvenance>>();
  private readonly overlayEmails = new Map<string, number>();
  private writeLogEntries: WriteLogEntry[] = [];

  constructor(
    public options: HubSpotOptions,
    seed: number,
    private readonly clock: SandboxClock,
  ) {
    this.generator = new HubSpotContactGenerator({
      seed,
      count: options.contacts,
      startMs: Date.parse(options.dataStartTime),
      endMs: Date.parse(options.dataEndTime),
      firstId: options.firstId,
      numemployeesFormat: options.numemployeesFormat,
      blockSize: options.blockSize,
      bulkRate: options.bulkRate,
      burstRate: options.burstRate,
    });
    const timeline = this.generator.timeline;
    this.records = new RecordStore<HubSpotData>({
      baseCount: options.contacts,
      baseModstamp: (i) => timeline.at(i),
      baseLowerBound: (ms) => timeline.lowerBound(ms),
      now: () => clock.now(),
    });
    for (const prop of defaultContactProperties(options.numemployeesFormat)) this.catalog.set(prop.name, prop);
    for (const [i, name] of [...new Set(['contactinformation', ...[...this.catalog.values()].map((p) => p.groupName)])].entries()) {
      this.propertyGroups.set(name, { name, label: GROUP_LABELS[name] ?? name, displayOrder: i, archived: false });
    }
    this.seedArchived(options.preArchived);
  }

  get searchLagMs(): number {
    return this.options.searchLagMs;
  }

  idOf(ref: number): string {
    return String(this.options.firstId + ref);
  }

  /** Ref for an id string, or undefined when it cannot name any record. */
  refOf(id: string | number): number | undefined {
    const text = String(id).trim();
    if (!/^\d+$/.test(text)) return undefined;
    const ref = Number(text) - this.options.firstId;
    return Number.isSafeInteger(ref) && ref >= 0 ? ref : undefined;
  }

  refFromIdBound(id: number): number {
    return id - this.options.firstId;
  }

  /** The record as `view` sees it; undefined when it does not exist there. */
  record(ref: number, view: View = CURRENT): HubSpotRecord | undefined {
    const version = this.records.visibleVersion(ref, view);
    if (version === null || version?.data.gdprDeleted) return undefined;
    return this.materialize(ref, version);
  }

  materialize(ref: number, version: Version<HubSpotData> | undefined): HubSpotRecord {
    const id = this.idOf(ref);
    const data = version?.data;
    let props: HubSpotProps;
    let createdAt: number;
    const updatedAt = version ? version.modstamp : this.generator.modstamp(ref);
    if (this.records.isBase(ref)) {
      props = this.generator.generate(ref, this.generator.modstamp(ref));
      if (data) {
        Object.assign(props, data.props);
        props.lastmodifieddate = new Date(updatedAt).toISOString();
      }
      createdAt = Date.parse(props.createdate ?? '') || this.generator.createdAt(ref);
    } else {
      props = { ...(data?.props ?? {}) };
      createdAt = data?.createdAt ?? 0;
      props.lastmodifieddate = new Date(updatedAt).toISOString();
    }
    props.hs_object_id = id;
    props.createdate ??= new Date(createdAt).toISOString();
    const record: HubSpotRecord = { ref, id, props, createdAt, updatedAt, archived: version?.deleted ?? false };
    if (data?.archivedAt !== undefined) record.archivedAt = data.archivedAt;
    if (data?.mergedInto !== undefined) record.mergedInto = data.mergedInto;
    return record;
  }

  /** Follows merges: GET and batch reads on a merged-away id answer with the surviving record. */
  resolveMerged(ref: number): number {
    let current = ref;
    for (let hops = 0; hops < 64; hops++) {
      const head = this.records.head(current);
      if (!head || head.data.mergedInto === undefined) return current;
      current = head.data.mergedInto;
    }
    return current;
  }

  findByEmail(email: string): number | undefined {
    const key = email.trim().toLowerCase();
    const candidates = [this.overlayEmails.get(key), this.generator.indexFromEmail(key)];
    for (const ref of candidates) {
      if (ref === undefined) continue;
      const record = this.record(ref);
      if (record && !record.archived && record.props.email?.toLowerCase() === key) return ref;
    }
    return undefined;
  }

  provenanceOf(ref: number): Record<string, WriteProvenance> {
    return { ...(this.provenance.get(ref) ?? {}) };
  }

  writeLog(): WriteLogEntry[] {
    return [...this.writeLogEntries];
  }

  // ---------------------------------------------------------------- mutations

  create(values: HubSpotProps, by: string, source: ChangeSource, at = this.clock.now()): HubSpotRecord {
    const email = values.email;
    if (email) this.assertEmailFree(email, undefined);
    const ref = this.records.allocateRef();
    const props: HubSpotProps = {};
    for (const [name, value] of Object.entries(values)) if (value !== null) props[name] = value;
    this.records.write(ref, {
      data: { props, createdAt: at },
      deleted: false,
      modstamp: at,
      visibleFrom: at + this.options.searchLagMs,
    });
    this.remember(ref, props, by, at);
    const record = this.record(ref) as HubSpotRecord;
    this.onChange?.({ kind: 'creation', ref, at, source, props: record.props });
    return record;
  }

  /** Applies values to a live record; returns the names whose value actually changed. */
  update(ref: number, values: HubSpotProps, by: string, source: ChangeSource, at = this.clock.now()): string[] {
    const before = this.record(ref);
    if (!before || before.archived) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    if (values.email && values.email.toLowerCase() !== before.props.email?.toLowerCase()) {
      this.assertEmailFree(values.email, ref);
    }
    const changed = Object.keys(values).filter((name) => (before.props[name] ?? null) !== values[name]);
    if (changed.length === 0 && !this.options.bumpOnNoopWrite) return changed;
    const head = this.records.head(ref);
    const previous = head ? head.data : { props: {} };
    this.records.write(ref, {
      data: { ...previous, props: { ...previous.props, ...values } },
      deleted: false,
      modstamp: at,
      visibleFrom: at + this.options.searchLagMs,
    });
    this.remember(ref, values, by, at);
    if (changed.length > 0) {
      const changes: HubSpotProps = {};
      for (const name of changed) changes[name] = values[name] ?? null;
      this.onChange?.({ kind: 'propertyChange', ref, at, source, changes });
    }
    return changed;
  }

  archive(ref: number, source: ChangeSource, at = this.clock.now()): void {
    const before = this.record(ref);
    if (!before || before.archived) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    const head = this.records.head(ref);
    const previous = head ? head.data : { props: {} };
    this.records.write(ref, {
      data: { ...previous, archivedAt: at },
      deleted: true,
      modstamp: at,
      visibleFrom: at + this.options.searchLagMs,
    });
    this.onChange?.({ kind: 'deletion', ref, at, source });
  }

  /**
   * GDPR delete ("permanently delete"): the contact vanishes from list, search, the archived list
   * and GET, with nothing left to tell a poller it ever existed (no archived record). Webhook
   * subscribers get a contact.privacyDeletion-like deletion event only; a sync cannot see it.
   */
  gdprDelete(ref: number, at = this.clock.now()): void {
    const before = this.record(ref);
    if (!before) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    const head = this.records.head(ref);
    const previous = head ? head.data : { props: {} };
    this.records.write(ref, {
      data: { ...previous, gdprDeleted: true },
      deleted: true,
      modstamp: at,
      visibleFrom: at + this.options.searchLagMs,
    });
  }

  restore(ref: number, source: ChangeSource, at = this.clock.now()): HubSpotRecord {
    const head = this.records.head(ref);
    if (!head || !head.deleted || head.data.mergedInto !== undefined || head.data.gdprDeleted) {
      throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    }
    const email = this.record(ref)?.props.email;
    if (email) this.assertEmailFree(email, ref);
    const { archivedAt: _archivedAt, ...rest } = head.data;
    void _archivedAt;
    this.records.write(ref, { data: rest, deleted: false, modstamp: at, visibleFrom: at + this.options.searchLagMs });
    this.onChange?.({ kind: 'restore', ref, at, source });
    return this.record(ref) as HubSpotRecord;
  }

  /**
   * Since 2023 a merge creates a new record: the primary's values win, the secondary fills gaps,
   * the secondary's email moves to hs_additional_emails, and both old ids resolve to the new one.
   */
  merge(primaryRef: number, secondaryRef: number, by: string, source: ChangeSource, at = this.clock.now()): HubSpotRecord {
    if (primaryRef === secondaryRef) {
      throw new HubSpotError(400, 'Cannot merge a contact with itself', 'VALIDATION_ERROR');
    }
    const primary = this.record(primaryRef);
    const secondary = this.record(secondaryRef);
    const missing = [
      [primaryRef, primary],
      [secondaryRef, secondary],
    ]
      .filter(([, record]) => !record || (record as HubSpotRecord).archived)
      .map(([ref]) => this.idOf(ref as number));
    if (!primary || !secondary || missing.length > 0) {
      throw new HubSpotError(400, `Object ids ${missing.join(', ')} are not valid for merge.`, 'VALIDATION_ERROR', {
        context: { ids: missing },
      });
    }
    const props: HubSpotProps = {};
    for (const name of new Set([...Object.keys(secondary.props), ...Object.keys(primary.props)])) {
      const value = primary.props[name] ?? secondary.props[name] ?? null;
      if (value !== null) props[name] = value;
    }
    const primaryEmail = primary.props.email ?? secondary.props.email ?? null;
    if (primaryEmail) props.email = primaryEmail;
    const additional = new Set<string>();
    for (const source of [primary.props.hs_additional_emails, secondary.props.hs_additional_emails]) {
      for (const email of (source ?? '').split(';')) if (email) additional.add(email);
    }
    if (secondary.props.email && secondary.props.email !== primaryEmail) additional.add(secondary.props.email);
    if (primaryEmail) additional.delete(primaryEmail);
    if (additional.size > 0) props.hs_additional_emails = [...additional].join(';');
    else delete props.hs_additional_emails;
    const mergedIds = new Set<string>();
    for (const record of [primary, secondary]) {
      for (const id of (record.props.hs_merged_object_ids ?? '').split(';')) if (id) mergedIds.add(id);
      mergedIds.add(record.id);
    }
    props.hs_merged_object_ids = [...mergedIds].join(';');
    delete props.lastmodifieddate;
    delete props.hs_object_id;
    props.createdate = new Date(Math.min(primary.createdAt, secondary.createdAt)).toISOString();

    const newRef = this.records.allocateRef();
    for (const oldRef of [primaryRef, secondaryRef]) {
      const head = this.records.head(oldRef);
      const previous = head ? head.data : { props: {} };
      this.records.write(oldRef, {
        data: { ...previous, mergedInto: newRef },
        deleted: true,
        modstamp: at,
        visibleFrom: at + this.options.searchLagMs,
      });
    }
    this.records.write(newRef, {
      data: { props, createdAt: Math.min(primary.createdAt, secondary.createdAt) },
      deleted: false,
      modstamp: at,
      visibleFrom: at + this.options.searchLagMs,
    });
    this.remember(newRef, {}, by, at);
    this.onChange?.({ kind: 'merge', ref: newRef, at, source, primaryRef, mergedRefs: [primaryRef, secondaryRef] });
    return this.record(newRef) as HubSpotRecord;
  }

  // ---------------------------------------------------------------- internals

  private assertEmailFree(email: string, self: number | undefined): void {
    const existing = this.findByEmail(email);
    if (existing !== undefined && existing !== self) {
      throw new HubSpotError(409, `Contact already exists. Existing ID: ${this.idOf(existing)}`, 'CONFLICT');
    }
  }

  private remember(ref: number, values: HubSpotProps, by: string, at: number): void {
    let record = this.provenance.get(ref);
    if (!record) {
      record = {};
      this.provenance.set(ref, record);
    }
    for (const [name, value] of Object.entries(values)) record[name] = { value, by, at };
    if (values.email) this.overlayEmails.set(values.email.toLowerCase(), ref);
    this.writeLogEntries.push({ at, by, id: this.idOf(ref), properties: { ...values } });
    if (this.writeLogEntries.length > WRITE_LOG_LIMIT) this.writeLogEntries = this.writeLogEntries.slice(-WRITE_LOG_LIMIT / 2);
  }

  private seedArchived(count: number): void {
    const total = this.options.contacts;
    const n = Math.min(count, total);
    const end = Date.parse(this.options.dataEndTime);
    for (let k = 0; k < n; k++) {
      const ref = Math.floor(((k + 0.5) * total) / n);
      const at = Math.min(end, this.generator.modstamp(ref) + 3_600_000 * (1 + (k % 72)));
      this.records.write(ref, { data: { props: {}, archivedAt: at }, deleted: true, modstamp: at, visibleFrom: at });
    }
  }
}

export interface HubSpotPropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

const GROUP_LABELS: Record<string, string> = {
  contactinformation: 'Contact information',
  corridor_sandbox: 'Sandbox custom properties',
};
