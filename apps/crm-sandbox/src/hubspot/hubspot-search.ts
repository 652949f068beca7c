import type { SandboxClock } from '../core/clock';
import type { Item, Key, Scan, View } from '../core/record-store';
import type { HubSpotPropertyDef } from './hubspot-properties';
import { type HubSpotData, HubSpotError, type HubSpotRecord, type HubSpotStore } from './hubspot-store';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_RESULT_CAP = 10_000;
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;

export interface SearchFilterInput {
  propertyName?: unknown;
  operator?: unknown;
  value?: unknown;
  values?: unknown;
  highValue?: unknown;
}

export interface SearchRequestInput {
  filterGroups?: { filters?: SearchFilterInput[] }[];
  sorts?: unknown[];
  properties?: unknown;
  limit?: unknown;
  after?: unknown;
  query?: unknown;
}

export interface SearchResult {
  total: number;
  items: Item<HubSpotData>[];
  nextAfter: string | undefined;
  properties: string[] | undefined;
}

/** Lazily materialised record for filter evaluation: most filters only need the sort keys. */
class Candidate {
  private record: HubSpotRecord | undefined;

  constructor(
    readonly item: Item<HubSpotData>,
    private readonly store: HubSpotStore,
  ) {}

  get(): HubSpotRecord {
    this.record ??= this.store.materialize(this.item.ref, this.item.version);
    return this.record;
  }
}

type Predicate = (candidate: Candidate) => boolean;

interface CompiledFilter {
  prop: HubSpotPropertyDef;
  operator: string;
  test: Predicate;
  /** Numeric bounds on the filtered value when the operator is a range: [lo, hi). */
  bounds?: { lo: number; hi: number };
}

interface GroupPlan {
  lo: Key;
  hi: Key;
  residual: Predicate[];
  all: Predicate[];
}

type Driver = 'modstamp' | 'ref' | 'materialize';

interface Plan {
  driver: Driver;
  descending: boolean;
  groups: GroupPlan[];
  sortProp?: HubSpotPropertyDef;
  /**
   * Id-ordered queries within a time window (keyset paging: `lastmodifieddate` bounds and
   * `hs_object_id > X`, sorted by id): the same groups planned on the time index. When the time
   * range holds fewer records than the id range, it is cheaper to collect it and sort by id.
   */
  byTime?: GroupPlan[];
  /** A plan chosen for one request (cheaperPlan): its sorted results are not memoised. */
  transient?: boolean;
}

interface MemoEntry {
  seq: number;
  time: number;
  total: number;
  sorted?: Item<HubSpotData>[];
}

const NEG: Key = { ms: -Infinity, ref: -Infinity };
const POS: Key = { ms: Infinity, ref: Infinity };

function cmpKey(a: Key, b: Key): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.ref === b.ref) return 0;
  return a.ref < b.ref ? -1 : 1;
}

function bad(message: string, extra: Record<string, unknown> = {}): HubSpotError {
  return new HubSpotError(400, message, 'VALIDATION_ERROR', extra);
}

/**
 * POST /crm/v3/objects/contacts/search. Ranges on the sort key (lastmodifieddate or hs_object_id)
 * become index ranges over the ordered store; other filters are evaluated per candidate. Like
 * HubSpot, `after` is an offset and nothing past 10,000 results can be paged to.
 */
export class HubSpotSearch {
  private memo = new Map<string, MemoEntry>();

  constructor(
    private readonly store: HubSpotStore,
    private readonly clock: SandboxClock,
  ) {}

  execute(input: SearchRequestInput): SearchResult {
    const limit = input.limit === undefined || input.limit === null ? 10 : Number(input.limit);
    if (!Number.isInteger(limit) || limit < 0) throw bad(`Invalid limit: ${String(input.limit)}`);
    if (limit > SEARCH_MAX_LIMIT) {
      throw bad(`Paging limit of ${limit} exceeds the maximum of ${SEARCH_MAX_LIMIT}.`, { context: { limit: [String(limit)] } });
    }
    const afterRaw = input.after === undefined || input.after === null || input.after === '' ? '0' : String(input.after);
    if (!/^\d+$/.test(afterRaw)) throw bad(`Invalid after: ${afterRaw}`);
    const after = Number(afterRaw);
    if (after + limit > SEARCH_RESULT_CAP) {
      throw bad(
        `There was a problem with the request. Search results are limited to ${SEARCH_RESULT_CAP} records ` +
          `(requested after=${after}, limit=${limit}).`,
      );
    }
    const properties = parsePropertyList(input.properties);
    const now = this.clock.now();
    const view: View = { seq: Infinity, time: now };
    const plan = this.cheaperPlan(this.plan(input), view, after, limit);
    const signature = JSON.stringify([input.filterGroups ?? [], input.sorts ?? [], input.query ?? null]);
    const memo = this.memoFor(signature, now);

    let total: number;
    let items: Item<HubSpotData>[];
    if (plan.driver === 'materialize') {
      const sorted = memo?.sorted ?? this.materializeSorted(plan, view);
      total = sorted.length;
      items = sorted.slice(after, after + limit);
      // A keyset page's query is never asked again (the next one has a new lower id): keep no copy.
      this.remember(signature, { seq: this.store.records.seq, time: now, total, ...(plan.transient ? {} : { sorted }) });
    } else {
      total = memo?.total ?? this.count(plan, view);
      if (!memo) this.remember(signature, { seq: this.store.records.seq, time: now, total });
      items = this.page(plan, view, after, limit);
    }
    const next = after + items.length;
    return { total, items, nextAfter: items.length > 0 && next < total ? String(next) : undefined, properties };
  }

  // ---------------------------------------------------------------- planning

  private plan(input: SearchRequestInput): Plan {
    const groupsInput = input.filterGroups ?? [];
    if (!Array.isArray(groupsInput)) throw bad('filterGroups must be an array');
    if (groupsInput.length > MAX_GROUPS) throw bad(`Too many filter groups: ${groupsInput.length} (max ${MAX_GROUPS}).`);
    let filterCount = 0;
    const compiledGroups: CompiledFilter[][] = groupsInput.map((group) => {
      const filters = group?.filters ?? [];
      if (!Array.isArray(filters)) throw bad('filters must be an array');
      if (filters.length > MAX_FILTERS_PER_GROUP) {
        throw bad(`Too many filters in a filter group: ${filters.length} (max ${MAX_FILTERS_PER_GROUP}).`);
      }
      filterCount += filters.length;
      return filters.map((filter) => this.compileFilter(filter));
    });
    if (filterCount > MAX_FILTERS) throw bad(`Too many filters: ${filterCount} (max ${MAX_FILTERS}).`);

    const sorts = input.sorts ?? [];
    if (!Array.isArray(sorts)) throw bad('sorts must be an array');
    if (sorts.length > 1) throw bad('Only one sort is supported.');
    let sortProp: HubSpotPropertyDef | undefined;
    let descending = false;
    if (sorts.length === 1) {
      const sort = sorts[0];
      let name: string;
      if (typeof sort === 'string') {
        descending = sort.startsWith('-');
        name = descending ? sort.slice(1) : sort;
      } else if (sort && typeof sort === 'object' && typeof (sort as { propertyName?: unknown }).propertyName === 'string') {
        name = (sort as { propertyName: string }).propertyName;
        const direction = String((sort as { direction?: unknown }).direction ?? 'ASCENDING').toUpperCase();
        if (direction !== 'ASCENDING' && direction !== 'DESCENDING') throw bad(`Invalid sort direction: ${direction}`);
        descending = direction === 'DESCENDING';
      } else {
        throw bad('Invalid sort.');
      }
      sortProp = this.store.catalog.get(name);
      if (!sortProp) throw bad(`Unable to sort by property ${name}: it does not exist.`);
    }

    const queryPredicate = this.queryPredicate(input.query);
    let driver: Driver;
    if (sortProp?.name === 'lastmodifieddate') driver = 'modstamp';
    else if (sortProp?.name === 'hs_object_id') driver = 'ref';
    else if (sortProp) driver = 'materialize';
    else {
      const everyGroupByTime =
        compiledGroups.length > 0 && compiledGroups.every((g) => g.some((f) => f.prop.name === 'lastmodifieddate' && f.bounds));
      driver = everyGroupByTime ? 'modstamp' : 'ref';
    }

    const groups: GroupPlan[] = [];
    const sources = compiledGroups.length > 0 ? compiledGroups : [[]];
    for (const filters of sources) {
      const group = this.planGroup(filters, driver === 'materialize' ? 'modstamp' : driver);
      if (queryPredicate) {
        group.residual.push(queryPredicate);
        group.all.push(queryPredicate);
      }
      if (cmpKey(group.lo, group.hi) < 0) groups.push(group);
    }
    groups.sort((a, b) => cmpKey(a.lo, b.lo));
    const disjoint = groups.every((group, i) => i === 0 || cmpKey((groups[i - 1] as GroupPlan).hi, group.lo) <= 0);
    let planned = groups;
    if (!disjoint) {
      // Overlapping groups: one pass over the hull, a record matches if any group matches.
      const alls = groups.map((g) => g.all);
      const any: Predicate = (candidate) => alls.some((preds) => preds.every((p) => p(candidate)));
      let lo = POS;
      let hi = NEG;
      for (const group of groups) {
        if (cmpKey(group.lo, lo) < 0) lo = group.lo;
        if (cmpKey(group.hi, hi) > 0) hi = group.hi;
      }
      planned = [{ lo, hi, residual: [any], all: [any] }];
    }
    if (descending && driver !== 'materialize') planned = [...planned].reverse();
    let byTime: GroupPlan[] | undefined;
    const only = compiledGroups.length === 1 ? (compiledGroups[0] as CompiledFilter[]) : undefined;
    if (driver === 'ref' && only?.some((f) => f.prop.name === 'lastmodifieddate' && f.bounds)) {
      const group = this.planGroup(only, 'modstamp');
      if (queryPredicate) {
        group.residual.push(queryPredicate);
        group.all.push(queryPredicate);
      }
      byTime = cmpKey(group.lo, group.hi) < 0 ? [group] : [];
    }
    return { driver, descending, groups: planned, sortProp, byTime };
  }

  /**
   * Same results, fewer records walked: walking ids until `after + limit` matches costs about
   * (after + limit) × ids / matches; collecting a sparse time window and sorting it by id is
   * cheaper when the window is small next to the id range (keyset paging over a short window).
   */
  private cheaperPlan(plan: Plan, view: View, after: number, limit: number): Plan {
    if (plan.driver !== 'ref' || !plan.byTime) return plan;
    const records = this.store.records;
    let inTime = 0;
    for (const group of plan.byTime) inTime += records.countByModstamp(view, 'live', group.lo, group.hi);
    let inIds = 0;
    for (const group of plan.groups) inIds += records.countByRef(view, 'live', group.lo.ref, group.hi.ref);
    const walk = Math.min(inIds, ((after + limit) * inIds) / Math.max(inTime, 1));
    const collect = (inTime * (1 + Math.log2(inTime + 1))) / 4;
    if (collect >= walk) return plan;
    return { driver: 'materialize', descending: plan.descending, groups: plan.byTime, sortProp: this.store.catalog.get('hs_object_id'), transient: true };
  }

  private planGroup(filters: CompiledFilter[], driver: 'modstamp' | 'ref'): GroupPlan {
    const all = filters.map((f) => f.test);
    const captured = new Set<CompiledFilter>();
    let msLo = -Infinity;
    let msHi = Infinity;
    let refLo = -Infinity;
    let refHi = Infinity;
    const idBounds = (filter: CompiledFilter): void => {
      if (!filter.bounds) return;
      refLo = Math.max(refLo, this.store.refFromIdBound(Math.ceil(filter.bounds.lo)));
      refHi = Math.min(refHi, this.store.refFromIdBound(Math.ceil(filter.bounds.hi)));
      captured.add(filter);
    };
    if (driver === 'modstamp') {
      for (const filter of filters) {
        if (filter.prop.name !== 'lastmodifieddate' || !filter.bounds) continue;
        msLo = Math.max(msLo, Math.ceil(filter.bounds.lo));
        msHi = Math.min(msHi, Math.ceil(filter.bounds.hi));
        captured.add(filter);
      }
      const pinned = Number.isFinite(msLo) && msHi === msLo + 1;
      if (pinned) for (const filter of filters) if (filter.prop.name === 'hs_object_id') idBounds(filter);
      const lo: Key = pinned ? { ms: msLo, ref: refLo } : { ms: msLo, ref: -Infinity };
      const hi: Key = pinned ? { ms: msLo, ref: refHi } : { ms: msHi, ref: -Infinity };
      return { lo, hi, residual: filters.filter((f) => !captured.has(f)).map((f) => f.test), all };
    }
    for (const filter of filters) if (filter.prop.name === 'hs_object_id') idBounds(filter);
    return {
      lo: { ms: 0, ref: refLo },
      hi: { ms: 0, ref: refHi },
      residual: filters.filter((f) => !captured.has(f)).map((f) => f.test),
      all,
    };
  }

  private compileFilter(input: SearchFilterInput): CompiledFilter {
    const name = typeof input.propertyName === 'string' ? input.propertyName : '';
    const prop = this.store.catalog.get(name);
    if (!prop) throw bad(`There was a problem with the request: property "${name}" does not exist.`);
    const operator = String(input.operator ?? '').toUpperCase();
    const kind = valueKind(prop);
    const read = this.accessor(prop);
    const parse = (raw: unknown, what: string): number | string => {
      if (raw === undefined || raw === null) throw bad(`Filter on ${name} with operator ${operator} requires ${what}.`);
      if (kind === 'string') return String(raw).toLowerCase();
      const value = kind === 'time' ? parseTime(raw) : Number(raw);
      if (!Number.isFinite(value)) throw bad(`Invalid value ${JSON.stringify(raw)} for property ${name}.`);
      return value;
    };
    const cmp = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);
    switch (operator) {
      case 'EQ':
      case 'NEQ':
      case 'LT':
      case 'LTE':
      case 'GT':
      case 'GTE': {
        const target = parse(input.value, 'a value');
        const test: Predicate = (c) => {
          const v = read(c);
          if (v === undefined) return operator === 'NEQ';
          const r = cmp(v, target);
          switch (operator) {
            case 'EQ':
              return r === 0;
            case 'NEQ':
              return r !== 0;
            case 'LT':
              return r < 0;
            case 'LTE':
              return r <= 0;
            case 'GT':
              return r > 0;
            default:
              return r >= 0;
          }
        };
        let bounds: { lo: number; hi: number } | undefined;
        if (typeof target === 'number' && operator !== 'NEQ') {
          bounds = {
            EQ: { lo: target, hi: target + 1 },
            LT: { lo: -Infinity, hi: target },
            LTE: { lo: -Infinity, hi: target + 1 },
            GT: { lo: target + 1, hi: Infinity },
            GTE: { lo: target, hi: Infinity },
          }[operator as 'EQ' | 'LT' | 'LTE' | 'GT' | 'GTE'];
          // Sub-unit values (a fractional id or ms) make integer bounds inexact: keep as residual only.
          if (!Number.isInteger(target)) bounds = undefined;
        }
        return { prop, operator, test, bounds };
      }
      case 'BETWEEN': {
        const low = parse(input.value, 'a value');
        const high = parse(input.highValue, 'a highValue');
        const test: Predicate = (c) => {
          const v = read(c);
          return v !== undefined && cmp(v, low) >= 0 && cmp(v, high) <= 0;
        };
        const bounds =
          typeof low === 'number' && typeof high === 'number' && Number.isInteger(low) && Number.isInteger(high)
            ? { lo: low, hi: high + 1 }
            : undefined;
        return { prop, operator, test, bounds };
      }
      case 'IN':
      case 'NOT_IN': {
        if (!Array.isArray(input.values)) throw bad(`Filter on ${name} with operator ${operator} requires values.`);
        const set = new Set(input.values.map((v) => parse(v, 'values')));
        const test: Predicate = (c) => {
          const v = read(c);
          if (v === undefined) return operator === 'NOT_IN';
          return set.has(v) === (operator === 'IN');
        };
        return { prop, operator, test };
      }
      case 'HAS_PROPERTY':
      case 'NOT_HAS_PROPERTY': {
        const test: Predicate = (c) => (read(c) !== undefined) === (operator === 'HAS_PROPERTY');
        return { prop, operator, test };
      }
      case 'CONTAINS_TOKEN':
      case 'NOT_CONTAINS_TOKEN': {
        const token = String(input.value ?? '').toLowerCase();
        const pattern = new RegExp(
          `(^|[^a-z0-9])${token
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^\\s]*')}($|[^a-z0-9])`,
        );
        const test: Predicate = (c) => {
          const v = c.get().props[name];
          const found = v !== null && v !== undefined && pattern.test(v.toLowerCase());
          return found === (operator === 'CONTAINS_TOKEN');
        };
        return { prop, operator, test };
      }
      default:
        throw bad(`Invalid operator: ${operator}`);
    }
  }

  /** Value of a property for comparisons; the sort keys never materialise the record. */
  private accessor(prop: HubSpotPropertyDef): (c: Candidate) => number | string | undefined {
    const firstId = this.store.refFromIdBound(0);
    if (prop.name === 'lastmodifieddate') return (c) => c.item.modstamp;
    if (prop.name === 'hs_object_id') return (c) => c.item.ref - firstId;
    const kind = valueKind(prop);
    return (c) => {
      const raw = c.get().props[prop.name];
      if (raw === null || raw === undefined || raw === '') return undefined;
      if (kind === 'string') return raw.toLowerCase();
      const value = kind === 'time' ? parseTime(raw) : Number(raw);
      return Number.isFinite(value) ? value : undefined;
    };
  }

  private queryPredicate(query: unknown): Predicate | undefined {
    if (query === undefined || query === null || query === '') return undefined;
    const needle = String(query).toLowerCase();
    const fields = ['email', 'firstname', 'lastname', 'company', 'phone'];
    return (c) => {
      const props = c.get().props;
      return fields.some((f) => (props[f] ?? '').toLowerCase().includes(needle));
    };
  }

  // ---------------------------------------------------------------- execution

  private scan(plan: Plan, group: GroupPlan, view: View): Scan<HubSpotData> {
    const records = this.store.records;
    return plan.driver === 'ref'
      ? records.scanByRef(view, 'live', group.lo.ref, group.hi.ref, plan.descending)
      : records.scanByModstamp(view, 'live', group.lo, group.hi, plan.descending);
  }

  private count(plan: Plan, view: View): number {
    const records = this.store.records;
    let total = 0;
    for (const group of plan.groups) {
      if (group.residual.length === 0) {
        total +=
          plan.driver === 'ref'
            ? records.countByRef(view, 'live', group.lo.ref, group.hi.ref)
            : records.countByModstamp(view, 'live', group.lo, group.hi);
        continue;
      }
      const scan = this.scan(plan, group, view);
      for (let item = scan(); item; item = scan()) {
        const candidate = new Candidate(item, this.store);
        if (group.residual.every((p) => p(candidate))) total++;
      }
    }
    return total;
  }

  private page(plan: Plan, view: View, after: number, limit: number): Item<HubSpotData>[] {
    const out: Item<HubSpotData>[] = [];
    let skip = after;
    const records = this.store.records;
    for (const group of plan.groups) {
      if (out.length >= limit) break;
      if (skip > 0 && group.residual.length === 0) {
        // Whole groups before the offset are skipped by count, not walked.
        const size =
          plan.driver === 'ref'
            ? records.countByRef(view, 'live', group.lo.ref, group.hi.ref)
            : records.countByModstamp(view, 'live', group.lo, group.hi);
        if (skip >= size) {
          skip -= size;
          continue;
        }
      }
      const scan = this.scan(plan, group, view);
      for (let item = scan(); item && out.length < limit; item = scan()) {
        if (group.residual.length > 0 && !group.residual.every((p) => p(new Candidate(item as Item<HubSpotData>, this.store)))) {
          continue;
        }
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push(item);
      }
    }
    return out;
  }

  private materializeSorted(plan: Plan, view: View): Item<HubSpotData>[] {
    const sortProp = plan.sortProp as HubSpotPropertyDef;
    const read = this.accessor(sortProp);
    const rows: { item: Item<HubSpotData>; key: number | string | undefined }[] = [];
    for (const group of plan.groups) {
      const scan = this.store.records.scanByModstamp(view, 'live', group.lo, group.hi);
      for (let item = scan(); item; item = scan()) {
        const candidate = new Candidate(item, this.store);
        if (group.residual.every((p) => p(candidate))) rows.push({ item, key: read(candidate) });
      }
    }
    const dir = plan.descending ? -1 : 1;
    rows.sort((a, b) => {
      if (a.key === undefined || b.key === undefined) {
        if (a.key === b.key) return a.item.ref - b.item.ref;
        return a.key === undefined ? 1 : -1;
      }
      if (a.key !== b.key) return (a.key < b.key ? -1 : 1) * dir;
      return a.item.ref - b.item.ref;
    });
    return rows.map((row) => row.item);
  }

  private memoFor(signature: string, now: number): MemoEntry | undefined {
    const entry = this.memo.get(signature);
    if (!entry || entry.seq !== this.store.records.seq) return undefined;
    // Still valid if nothing became visible to search between then and now.
    if (entry.time === now || this.store.records.maxVisibleFrom <= entry.time) return entry;
    return undefined;
  }

  private remember(signature: string, entry: MemoEntry): void {
    if (this.memo.size > 256) this.memo = new Map();
    this.memo.set(signature, entry);
  }
}

type ValueKind = 'time' | 'number' | 'string';

function valueKind(prop: HubSpotPropertyDef): ValueKind {
  if (prop.type === 'datetime' || prop.type === 'date') return 'time';
  if (prop.type === 'number') return 'number';
  return 'string';
}

/** Search accepts epoch milliseconds (as HubSpot documents) or ISO strings. */
function parseTime(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  const text = String(raw).trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00.000Z`);
  return Date.parse(text);
}

export function parsePropertyList(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const entry of list) for (const name of String(entry).split(',')) if (name.trim()) out.push(name.trim());
  return out;
}
