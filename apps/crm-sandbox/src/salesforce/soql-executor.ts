import type { SandboxClock } from '../core/clock';
import { type Include, type Item, type Key, type Scan, type View } from '../core/record-store';
import type { SalesforceGenerator, SfFields, SfValue } from './salesforce-generator';
import { KEY_PREFIXES, makeId, parseId } from './salesforce-ids';
import type { SfField, SfObjectSchema, WritableObject } from './salesforce-schema';
import type { SalesforceObjectStore, SfData } from './salesforce-store';
import { type Condition, type FieldRef, type OrderItem, parseSoql, type SoqlLiteral, type SoqlQuery } from './soql-parser';

export class QueryLocatorError extends Error {}

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

export interface QueryEnvironment {
  stores: Record<WritableObject, SalesforceObjectStore>;
  generator: SalesforceGenerator;
  clock: SandboxClock;
  cursorTtlMs: () => number;
  maxOpenCursors: () => number;
  maxBatchSize: () => number;
  /** The org's Tasks (created by treatments), for SOQL on Task. */
  tasks?: () => Iterable<SfFields>;
  /** `Object.Field` names the org does not have. */
  absentFields?: () => ReadonlySet<string>;
}

export interface RunOptions {
  all: boolean;
  version: string;
  batchSize?: number;
  userId: string;
}

type Driver = 'modstamp' | 'ref' | 'sort' | 'static';

/** A row of a query: a store item (Contact/Lead) or a generated Account/User. */
interface Row {
  ref: number;
  modstamp: number;
  version: Item<SfData>['version'];
  fields?: SfFields;
}

interface Cursor {
  id: string;
  query: SoqlQuery;
  driver: Driver;
  descending: boolean;
  include: Include;
  lo: Key;
  hi: Key;
  residual: Condition | undefined;
  view: View;
  pin: number | undefined;
  /** Rows after OFFSET and within LIMIT. */
  total: number;
  /** Rows handed out so far. */
  emitted: number;
  offsetToSkip: number;
  last: { ms: number; ref: number } | undefined;
  rows?: Row[];
  batchSize: number;
  userId: string;
  createdAt: number;
  expiresAt: number;
  now: number;
}

const DAY = 86_400_000;
const MIN_BATCH = 200;

/**
 * Runs parsed SOQL against the stores. Ranges on SystemModstamp (and Id) become index ranges, the
 * rest of WHERE is evaluated per row. Cursors are snapshots: they read the store as of the query.
 */
export class SoqlExecutor {
  private readonly cursors = new Map<string, Cursor>();
  private cursorSerial = 0;

  constructor(private readonly env: QueryEnvironment) {}

  run(soql: string, options: RunOptions): QueryPage {
    this.expireCursors();
    const query = parseSoql(soql, this.env.absentFields?.());
    const cursor = this.open(query, options);
    if (query.count) {
      this.close(cursor);
      return { totalSize: cursor.total, done: true, records: [] };
    }
    return this.page(cursor, options.version, options.batchSize);
  }

  more(locator: string, options: { version: string; batchSize?: number }): QueryPage {
    this.expireCursors();
    const match = /^([0-9A-Za-z]{15,18})-(\d+)$/.exec(locator);
    const cursor = match ? this.cursors.get(match[1] as string) : undefined;
    if (!match || !cursor) throw new QueryLocatorError('invalid query locator');
    const offset = Number(match[2]);
    if (offset >= cursor.total) throw new QueryLocatorError('invalid query locator');
    if (offset !== cursor.emitted) this.rewind(cursor, offset);
    return this.page(cursor, options.version, options.batchSize);
  }

  openCursorCount(): number {
    return this.cursors.size;
  }

  clear(): void {
    for (const cursor of [...this.cursors.values()]) this.close(cursor);
  }

  // ---------------------------------------------------------------- planning

  private open(query: SoqlQuery, options: RunOptions): Cursor {
    const now = this.env.clock.now();
    const object = query.object.name;
    const cursor: Cursor = {
      id: '',
      query,
      driver: 'static',
      descending: false,
      include: 'live',
      lo: { ms: -Infinity, ref: -Infinity },
      hi: { ms: Infinity, ref: -Infinity },
      residual: query.where,
      view: { seq: Infinity, time: Infinity },
      pin: undefined,
      total: 0,
      emitted: 0,
      offsetToSkip: query.offset ?? 0,
      last: undefined,
      batchSize: this.batchSize(options.batchSize),
      userId: options.userId,
      createdAt: now,
      expiresAt: now + this.env.cursorTtlMs(),
      now,
    };
    if (object === 'Contact' || object === 'Lead') this.planStore(cursor, this.env.stores[object], options.all);
    else cursor.rows = this.staticRows(cursor);
    cursor.total = this.count(cursor);
    return cursor;
  }

  private planStore(cursor: Cursor, store: SalesforceObjectStore, all: boolean): void {
    const query = cursor.query;
    const conjuncts = query.where ? (query.where.kind === 'and' ? query.where.items : [query.where]) : [];
    const residual: Condition[] = [];
    let msLo = -Infinity;
    let msHi = Infinity;
    let refLo = -Infinity;
    let refHi = Infinity;
    // queryAll also returns the recycle bin unless IsDeleted narrows it.
    let include: Include = all ? 'all' : 'live';
    let impossible = false;
    for (const condition of conjuncts) {
      if (condition.kind === 'compare' && condition.field.path === 'IsDeleted' && condition.value.kind === 'boolean') {
        const wantDeleted = condition.op === '=' ? condition.value.value : !condition.value.value;
        if (!all && wantDeleted) impossible = true;
        else if (all) include = wantDeleted ? 'deleted' : 'live';
        continue;
      }
      residual.push(condition);
      if (condition.kind !== 'compare') continue;
      const { field, op, value } = condition;
      const range = this.timeRange(value, cursor.now);
      if (field.path === 'SystemModstamp' && range) {
        if (op === '>=' || op === '=') msLo = Math.max(msLo, range[0]);
        if (op === '>') msLo = Math.max(msLo, range[1]);
        if (op === '<') msHi = Math.min(msHi, range[0]);
        if (op === '<=' || op === '=') msHi = Math.min(msHi, range[1]);
      } else if (field.path === 'LastModifiedDate' && range && (op === '>=' || op === '=' || op === '>')) {
        // SystemModstamp >= LastModifiedDate always, so a lower bound on one bounds the other.
        msLo = Math.max(msLo, op === '>' ? range[1] : range[0]);
      } else if (field.path === 'Id' && value.kind === 'string') {
        const parsed = parseId(value.value);
        if (!parsed || parsed.prefix !== query.object.keyPrefix) continue;
        if (op === '=' || op === '>=') refLo = Math.max(refLo, parsed.serial);
        if (op === '>') refLo = Math.max(refLo, parsed.serial + 1);
        if (op === '=' || op === '<=') refHi = Math.min(refHi, parsed.serial + 1);
        if (op === '<') refHi = Math.min(refHi, parsed.serial);
      }
    }
    cursor.include = include;
    cursor.residual = residual.length === 0 ? undefined : residual.length === 1 ? residual[0] : { kind: 'and', items: residual };
    const order = query.orderBy;
    const isField = (item: OrderItem | undefined, path: string): boolean => item?.field.path === path;
    const byModstamp =
      (order.length === 1 && isField(order[0], 'SystemModstamp')) ||
      (order.length === 2 &&
        isField(order[0], 'SystemModstamp') &&
        isField(order[1], 'Id') &&
        order[0]?.descending === order[1]?.descending);
    const byRef = order.length === 1 && isField(order[0], 'Id');
    const hasTimeBounds = Number.isFinite(msLo) || Number.isFinite(msHi);
    if (byModstamp || (order.length === 0 && hasTimeBounds)) {
      cursor.driver = 'modstamp';
      cursor.descending = order[0]?.descending ?? false;
    } else if (byRef || order.length === 0) {
      cursor.driver = 'ref';
      cursor.descending = order[0]?.descending ?? false;
    } else {
      cursor.driver = 'sort';
    }
    if (cursor.driver === 'ref') {
      cursor.lo = { ms: 0, ref: refLo };
      cursor.hi = { ms: 0, ref: refHi };
    } else {
      cursor.lo = { ms: msLo, ref: -Infinity };
      cursor.hi = { ms: msHi, ref: -Infinity };
    }
    if (impossible || msLo >= msHi || refLo >= refHi) {
      cursor.driver = 'static';
      cursor.rows = [];
      return;
    }
    cursor.view = { seq: store.records.seq, time: Infinity };
    cursor.pin = store.records.pin(cursor.view.seq);
    if (cursor.driver === 'sort') cursor.rows = this.sortedRows(cursor, store);
  }

  /** [start, end) of a datetime or date literal, in ms; undefined for other literals. */
  private timeRange(value: SoqlLiteral, now: number): [number, number] | undefined {
    if (value.kind === 'datetime') return [value.ms, value.ms + 1];
    if (value.kind === 'date') return [value.ms, value.ms + DAY];
    if (value.kind === 'dateLiteral') return dateLiteralRange(value.name, value.n, now);
    return undefined;
  }

  private batchSize(requested: number | undefined): number {
    const max = this.env.maxBatchSize();
    if (requested === undefined || !Number.isFinite(requested)) return max;
    return Math.min(max, Math.max(Math.min(MIN_BATCH, max), Math.floor(requested)));
  }

  private count(cursor: Cursor): number {
    let count: number;
    if (cursor.rows) count = cursor.rows.length;
    else if (!cursor.residual && this.store(cursor).purgedCount === 0) {
      const records = this.store(cursor).records;
      count =
        cursor.driver === 'ref'
          ? records.countByRef(cursor.view, cursor.include, cursor.lo.ref, cursor.hi.ref)
          : records.countByModstamp(cursor.view, cursor.include, cursor.lo, cursor.hi);
    } else {
      count = 0;
      const scan = this.scan(cursor, undefined);
      for (let row = scan(); row; row = scan()) if (this.matches(cursor, row)) count++;
    }
    const afterOffset = Math.max(0, count - (cursor.query.offset ?? 0));
    return cursor.query.limit === undefined ? afterOffset : Math.min(afterOffset, cursor.query.limit);
  }

  // ---------------------------------------------------------------- paging

  private page(cursor: Cursor, version: string, batchSize: number | undefined): QueryPage {
    if (batchSize !== undefined) cursor.batchSize = this.batchSize(batchSize);
    const want = Math.min(cursor.batchSize, cursor.total - cursor.emitted);
    const rows = this.take(cursor, want);
    const records = rows.map((row) => this.shape(cursor, row, version));
    cursor.expiresAt = this.env.clock.now() + this.env.cursorTtlMs();
    const done = cursor.emitted >= cursor.total;
    const page: QueryPage = { totalSize: cursor.total, done, records };
    if (done) {
      this.close(cursor);
    } else {
      if (!cursor.id) this.register(cursor);
      page.nextRecordsUrl = `/services/data/${version}/query/${cursor.id}-${cursor.emitted}`;
    }
    return page;
  }

  private take(cursor: Cursor, want: number): Row[] {
    const out: Row[] = [];
    if (want <= 0) return out;
    if (cursor.rows) {
      const start = (cursor.query.offset ?? 0) + cursor.emitted;
      for (const row of cursor.rows.slice(start, start + want)) out.push(row);
      cursor.emitted += out.length;
      return out;
    }
    const scan = this.scan(cursor, cursor.last);
    for (let row = scan(); row && out.length < want; row = scan()) {
      cursor.last = { ms: row.modstamp, ref: row.ref };
      if (!this.matches(cursor, row)) continue;
      if (cursor.offsetToSkip > 0) {
        cursor.offsetToSkip--;
        continue;
      }
      out.push(row);
    }
    cursor.emitted += out.length;
    return out;
  }

  /** queryMore with a locator offset other than the next one: replay from the start. */
  private rewind(cursor: Cursor, offset: number): void {
    cursor.emitted = 0;
    cursor.last = undefined;
    cursor.offsetToSkip = cursor.query.offset ?? 0;
    if (cursor.rows) cursor.emitted = offset;
    else this.take(cursor, offset);
  }

  private scan(cursor: Cursor, after: { ms: number; ref: number } | undefined): () => Row | undefined {
    const records = this.store(cursor).records;
    let scan: Scan<SfData>;
    if (cursor.driver === 'ref') {
      const lo = !cursor.descending && after ? after.ref + 1 : cursor.lo.ref;
      const hi = cursor.descending && after ? after.ref : cursor.hi.ref;
      scan = records.scanByRef(cursor.view, cursor.include, lo, hi, cursor.descending);
    } else {
      const lo = !cursor.descending && after ? { ms: after.ms, ref: after.ref + 1 } : cursor.lo;
      const hi = cursor.descending && after ? { ms: after.ms, ref: after.ref } : cursor.hi;
      scan = records.scanByModstamp(cursor.view, cursor.include, lo, hi, cursor.descending);
    }
    return scan;
  }

  private sortedRows(cursor: Cursor, store: SalesforceObjectStore): Row[] {
    const rows: (Row & { fields: SfFields })[] = [];
    const hasBounds = Number.isFinite(cursor.lo.ms) || Number.isFinite(cursor.hi.ms);
    const scan = hasBounds
      ? store.records.scanByModstamp(cursor.view, cursor.include, cursor.lo, cursor.hi)
      : store.records.scanByRef(cursor.view, cursor.include, -Infinity, Infinity);
    for (let item = scan(); item; item = scan()) {
      const row: Row & { fields: SfFields } = { ...item, fields: store.materialize(item.ref, item.version) };
      if (this.matches(cursor, row)) rows.push(row);
    }
    return this.sortRows(cursor, rows);
  }

  private staticRows(cursor: Cursor): Row[] {
    const generator = this.env.generator;
    const object = cursor.query.object.name;
    const rows: (Row & { fields: SfFields })[] = [];
    if (object === 'Task') {
      let i = 0;
      for (const fields of this.env.tasks?.() ?? []) {
        const row = { ref: i++, modstamp: 0, version: undefined, fields };
        if (this.matches(cursor, row)) rows.push(row);
      }
      return this.sortRows(cursor, rows);
    }
    const count = object === 'Account' ? generator.accountCount : generator.users.length;
    for (let i = 0; i < count; i++) {
      const fields = object === 'Account' ? generator.account(i) : (generator.users[i] as SfFields);
      const row = { ref: i, modstamp: Number(fields.SystemModstamp ?? 0), version: undefined, fields };
      if (this.matches(cursor, row)) rows.push(row);
    }
    return this.sortRows(cursor, rows);
  }

  private sortRows(cursor: Cursor, rows: (Row & { fields: SfFields })[]): Row[] {
    const order = cursor.query.orderBy;
    if (order.length === 0) return rows;
    const keyed = rows.map((row) => ({ row, keys: order.map((item) => comparable(item.field, this.value(cursor, row, item.field))) }));
    keyed.sort((a, b) => {
      for (let i = 0; i < order.length; i++) {
        const item = order[i] as OrderItem;
        const x = a.keys[i];
        const y = b.keys[i];
        if (x === y) continue;
        if (x === null || x === undefined) return item.nullsLast ? 1 : -1;
        if (y === null || y === undefined) return item.nullsLast ? -1 : 1;
        const c = x < y ? -1 : 1;
        return item.descending ? -c : c;
      }
      return a.row.ref - b.row.ref;
    });
    return keyed.map((k) => k.row);
  }

  // ---------------------------------------------------------------- evaluation and shaping

  private matches(cursor: Cursor, row: Row): boolean {
    if (row.version?.data.purged) return false;
    if (!cursor.residual) return true;
    return evaluate(cursor.residual, (field) => this.value(cursor, row, field), cursor.now);
  }

  private fields(cursor: Cursor, row: Row): SfFields {
    if (!row.fields) row.fields = this.store(cursor).materialize(row.ref, row.version);
    return row.fields;
  }

  private value(cursor: Cursor, row: Row, ref: FieldRef): SfValue {
    if (!ref.relationship) {
      if (!row.fields && cursor.driver !== 'static') {
        // Key fields are known without materialising the record.
        if (ref.path === 'SystemModstamp') return row.modstamp;
        if (ref.path === 'Id') return this.store(cursor).idOf(row.ref);
        if (ref.path === 'IsDeleted') return row.version?.deleted ?? false;
      }
      return this.fields(cursor, row)[ref.field.name] ?? null;
    }
    const related = this.related(ref.relationship.target, this.fields(cursor, row)[ref.relationship.via.name]);
    return related ? (related[ref.field.name] ?? null) : null;
  }

  private related(target: SfObjectSchema, id: SfValue): SfFields | undefined {
    if (typeof id !== 'string') return undefined;
    const generator = this.env.generator;
    switch (target.name) {
      case 'Account': {
        const parsed = parseId(id);
        return parsed && parsed.prefix === KEY_PREFIXES.Account && parsed.serial < generator.accountCount
          ? generator.account(parsed.serial)
          : undefined;
      }
      case 'User':
        return generator.userById(id);
      case 'Contact':
      case 'Lead': {
        const store = this.env.stores[target.name];
        const ref = store.refOf(id);
        return ref === undefined ? undefined : store.record(ref);
      }
      default:
        return undefined;
    }
  }

  private shape(cursor: Cursor, row: Row, version: string): Record<string, unknown> {
    const object = cursor.query.object.name;
    const fields = cursor.driver === 'static' ? (row.fields as SfFields) : this.fields(cursor, row);
    const id = String(fields.Id ?? makeId(cursor.query.object.keyPrefix, row.ref));
    const out: Record<string, unknown> = { attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${id}` } };
    for (const ref of cursor.query.fields) {
      if (!ref.relationship) {
        out[ref.field.name] = formatValue(ref.field, fields[ref.field.name] ?? null);
        continue;
      }
      const name = ref.relationship.name;
      if (!Object.hasOwn(out, name)) {
        const related = this.related(ref.relationship.target, fields[ref.relationship.via.name] ?? null);
        out[name] = related
          ? {
              attributes: {
                type: ref.relationship.target.name,
                url: `/services/data/${version}/sobjects/${ref.relationship.target.name}/${String(related.Id)}`,
              },
              __fields: related,
            }
          : null;
      }
      const nested = out[name] as (Record<string, unknown> & { __fields?: SfFields }) | null;
      if (nested) nested[ref.field.name] = formatValue(ref.field, nested.__fields?.[ref.field.name] ?? null);
    }
    for (const value of Object.values(out)) {
      if (value && typeof value === 'object' && '__fields' in value) delete (value as { __fields?: unknown }).__fields;
    }
    return out;
  }

  private store(cursor: Cursor): SalesforceObjectStore {
    return this.env.stores[cursor.query.object.name as WritableObject];
  }

  // ---------------------------------------------------------------- cursor lifecycle

  private register(cursor: Cursor): void {
    cursor.id = makeId(KEY_PREFIXES.QueryLocator, ++this.cursorSerial);
    this.cursors.set(cursor.id, cursor);
    const mine = [...this.cursors.values()].filter((c) => c.userId === cursor.userId);
    const excess = mine.length - this.env.maxOpenCursors();
    // Salesforce keeps a bounded number of open cursors per user and drops the oldest.
    if (excess > 0) for (const old of mine.sort((a, b) => a.createdAt - b.createdAt).slice(0, excess)) this.close(old);
  }

  private close(cursor: Cursor): void {
    if (cursor.id) this.cursors.delete(cursor.id);
    if (cursor.pin !== undefined) {
      this.store(cursor).records.unpin(cursor.pin);
      cursor.pin = undefined;
    }
  }

  private expireCursors(): void {
    const now = this.env.clock.now();
    for (const cursor of [...this.cursors.values()]) if (cursor.expiresAt <= now) this.close(cursor);
  }
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function formatValue(field: SfField, value: SfValue): unknown {
  if (value === null || value === undefined) return null;
  if (field.type === 'datetime') return typeof value === 'number' ? formatDateTime(value) : value;
  return value;
}

function comparable(ref: FieldRef, value: SfValue): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    return ref.field.type === 'id' || ref.field.type === 'reference' ? value.slice(0, 15) : value.toLowerCase();
  }
  return value;
}

/** UTC boundaries of SOQL date literals (the sandbox org's time zone is UTC). */
export function dateLiteralRange(name: string, n: number, now: number): [number, number] {
  const today = Math.floor(now / DAY) * DAY;
  const date = new Date(today);
  const monthStart = (offset: number): number => Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
  const yearStart = (offset: number): number => Date.UTC(date.getUTCFullYear() + offset, 0, 1);
  const weekStart = today - date.getUTCDay() * DAY;
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'THIS_WEEK':
      return [weekStart, weekStart + 7 * DAY];
    case 'LAST_WEEK':
      return [weekStart - 7 * DAY, weekStart];
    case 'THIS_MONTH':
      return [monthStart(0), monthStart(1)];
    case 'LAST_MONTH':
      return [monthStart(-1), monthStart(0)];
    case 'LAST_N_MONTHS':
      return [monthStart(-n), monthStart(0)];
    case 'THIS_YEAR':
      return [yearStart(0), yearStart(1)];
    case 'LAST_YEAR':
      return [yearStart(-1), yearStart(0)];
    case 'LAST_N_DAYS':
      return [today - n * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today + DAY, today + (n + 1) * DAY];
    case 'LAST_N_HOURS':
      return [now - n * 3_600_000, now + 1];
    case 'NEXT_N_HOURS':
      return [now, now + n * 3_600_000];
    default:
      return [today, today + DAY];
  }
}

function toMs(field: SfField, value: SfValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(field.type === 'date' && value.length === 10 ? `${value}T00:00:00.000Z` : value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function compareValues(field: SfField, actual: SfValue, literal: SoqlLiteral, now: number): number | 'in' | 'before' | 'after' {
  switch (literal.kind) {
    case 'datetime':
    case 'date': {
      const ms = toMs(field, actual) as number;
      return ms === literal.ms ? 0 : ms < literal.ms ? -1 : 1;
    }
    case 'dateLiteral': {
      const ms = toMs(field, actual) as number;
      const [start, end] = dateLiteralRange(literal.name, literal.n, now);
      return ms < start ? 'before' : ms >= end ? 'after' : 'in';
    }
    case 'number': {
      const n = Number(actual);
      return n === literal.value ? 0 : n < literal.value ? -1 : 1;
    }
    case 'boolean':
      return actual === literal.value ? 0 : 1;
    case 'string': {
      const isId = field.type === 'id' || field.type === 'reference';
      const a = isId ? String(actual).slice(0, 15) : String(actual).toLowerCase();
      const b = isId ? literal.value.slice(0, 15) : literal.value.toLowerCase();
      return a === b ? 0 : a < b ? -1 : 1;
    }
    default:
      return 1;
  }
}

export function evaluate(condition: Condition, get: (field: FieldRef) => SfValue, now: number): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.items.every((item) => evaluate(item, get, now));
    case 'or':
      return condition.items.some((item) => evaluate(item, get, now));
    case 'not':
      return !evaluate(condition.item, get, now);
    case 'like': {
      const actual = get(condition.field);
      if (actual === null) return false;
      const pattern = condition.pattern
        .split('')
        .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return new RegExp(`^${pattern}$`, 'is').test(String(actual));
    }
    case 'in': {
      const actual = get(condition.field);
      const hit =
        actual !== null &&
        condition.values.some((value) => value.kind !== 'null' && compareValues(condition.field.field, actual, value, now) === 0);
      const nullHit = actual === null && condition.values.some((value) => value.kind === 'null');
      return condition.negate ? !(hit || nullHit) : hit || nullHit;
    }
    case 'compare': {
      const actual = get(condition.field);
      const { op, value } = condition;
      if (value.kind === 'null') return op === '=' ? actual === null : actual !== null;
      if (actual === null) return op === '!=';
      const c = compareValues(condition.field.field, actual, value, now);
      if (c === 'in' || c === 'before' || c === 'after') {
        switch (op) {
          case '=':
            return c === 'in';
          case '!=':
            return c !== 'in';
          case '<':
            return c === 'before';
          case '<=':
            return c !== 'after';
          case '>':
            return c === 'after';
          default:
            return c !== 'before';
        }
      }
      switch (op) {
        case '=':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<':
          return c < 0;
        case '<=':
          return c <= 0;
        case '>':
          return c > 0;
        default:
          return c >= 0;
      }
    }
  }
}
