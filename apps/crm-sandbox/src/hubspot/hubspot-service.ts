import type { SandboxClock } from '../core/clock';
import { FaultInjector } from '../core/fault-injector';
import { seedToInt } from '../core/prng';
import { DailyCounter, type RateDecision, RollingWindowLimiter } from '../core/rate-limiter';
import { RequestStats } from '../core/request-stats';
import type { WebhookDelivery } from '../core/webhook-sender';
import type { HubSpotOptions } from '../sandbox-options';
import type { HubSpotProps } from './hubspot-generator';
import { normaliseWrite } from './hubspot-properties';
import { HubSpotEngagements } from './hubspot-engagements';
import { HubSpotSearch } from './hubspot-search';
import {
  type ChangeSource,
  HubSpotError,
  type HubSpotRecord,
  HubSpotStore,
  type WriteLogEntry,
  type WriteProvenance,
} from './hubspot-store';
import { type HubSpotEventInput, type HubSpotSendOptions, type HubSpotWebhookEvent, HubSpotWebhooks } from './hubspot-webhooks';

export type RatePolicy = 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';

export interface RateOutcome {
  headers: Record<string, string>;
  refused?: { policy: RatePolicy; retryAfterMs: number };
}

/** A contact as the admin API reports it: current values plus who wrote what. */
export interface HubSpotAdminRecord {
  id: string;
  exists: boolean;
  archived: boolean;
  archivedAt?: string;
  /** Set when the record was merged away: the id of the record that replaced it. */
  mergedInto?: string;
  createdAt?: string;
  updatedAt?: string;
  properties: HubSpotProps;
  /** Values written through the API or admin, with the writer (e.g. "api:<token>") and time. */
  writes: Record<string, WriteProvenance>;
}

export interface HubSpotAdminOptions {
  /** Recorded as the writer; default "admin". */
  by?: string;
  /** HubSpot's changeSource for webhooks; default CRM_UI. */
  changeSource?: string;
  /** Modification time (defaults to the sandbox clock). */
  at?: number | string;
}

const ADMIN_SOURCE: ChangeSource = { changeSource: 'CRM_UI', api: false };

/** Everything HubSpot-side that outlives a request: data, limits, faults, counters, webhooks. */
export class HubSpotService {
  readonly store: HubSpotStore;
  readonly search: HubSpotSearch;
  readonly webhooks: HubSpotWebhooks;
  readonly engagements: HubSpotEngagements;
  readonly stats = new RequestStats();
  readonly faults: FaultInjector;
  private burst: RollingWindowLimiter;
  private searchLimiter: RollingWindowLimiter;
  private daily: DailyCounter;
  private retryAfterToggle = 0;
  /**
   * In-process test hook, awaited before each search is evaluated: lets a test act as another writer
   * (a workflow, the app's own write-back) between a reader's pages, deterministically.
   */
  beforeSearch: ((request: unknown) => void | Promise<void>) | undefined;

  constructor(
    public options: HubSpotOptions,
    sandboxSeed: string | number,
    readonly clock: SandboxClock,
  ) {
    const seed = seedToInt(options.seed ?? `${String(sandboxSeed)}:hubspot`);
    this.store = new HubSpotStore(options, seed, clock);
    this.search = new HubSpotSearch(this.store, clock);
    this.webhooks = new HubSpotWebhooks(options, clock, this.store);
    this.store.onChange = (change) => this.webhooks.onChange(change);
    this.engagements = new HubSpotEngagements((id) => {
      const ref = this.store.refOf(id);
      if (ref === undefined) return undefined;
      const resolved = this.store.resolveMerged(ref);
      const record = this.store.record(resolved);
      return record && !record.archived ? record.id : undefined;
    }, () => clock.now());
    this.faults = new FaultInjector({ ...options.faults }, seed ^ 0xfa17);
    const limits = options.rateLimits;
    this.burst = new RollingWindowLimiter(limits.burstMax, limits.burstWindowMs);
    this.searchLimiter = new RollingWindowLimiter(limits.searchPerSecond, 1000);
    this.daily = new DailyCounter(limits.daily);
  }

  /** Applies option changes that do not need regenerated data. */
  reconfigure(options: HubSpotOptions): void {
    this.options = options;
    this.store.options = options;
    this.webhooks.options = options;
    this.faults.configure(options.faults);
    const limits = options.rateLimits;
    this.burst.max = limits.burstMax;
    this.burst.windowMs = limits.burstWindowMs;
    this.searchLimiter.max = limits.searchPerSecond;
    this.daily.max = limits.daily;
  }

  isKnownToken(token: string): 'ok' | 'no-scope' | 'unknown' {
    if (this.options.accessTokens.includes(token)) return 'ok';
    if (this.options.noScopeTokens.includes(token)) return 'no-scope';
    return 'unknown';
  }

  /** Counts a request against the token's limits; rate windows run on real time. */
  acquire(token: string, isSearch: boolean): RateOutcome {
    const now = Date.now();
    const limits = this.options.rateLimits;
    const headers: Record<string, string> = {};
    const refuse = (policy: RatePolicy, decision: RateDecision): RateOutcome => {
      this.fillHeaders(headers, token, isSearch, now, decision, policy);
      return { headers, refused: { policy, retryAfterMs: decision.retryAfterMs } };
    };
    if (isSearch && this.searchLimiter.enabled) {
      const decision = this.searchLimiter.tryAcquire(token, now);
      if (!decision.allowed) return refuse('SECONDLY', decision);
    }
    if (this.burst.enabled && (!isSearch || limits.searchCountsTowardBurst)) {
      const decision = this.burst.tryAcquire(token, now);
      if (!decision.allowed) return refuse('TEN_SECONDLY_ROLLING', decision);
    }
    if (this.daily.enabled) {
      const decision = this.daily.tryAcquire(token, now);
      if (!decision.allowed) return refuse('DAILY', decision);
    }
    this.fillHeaders(headers, token, isSearch, now);
    return { headers };
  }

  /** HubSpot leaves Retry-After out of some 429s; 'sometimes' alternates deterministically. */
  shouldSendRetryAfter(): boolean {
    const mode = this.options.rateLimits.retryAfter;
    if (mode === 'always') return true;
    if (mode === 'never') return false;
    return this.retryAfterToggle++ % 2 === 0;
  }

  resetLimits(): void {
    this.burst.reset();
    this.searchLimiter.reset();
    this.daily.reset();
  }

  private fillHeaders(
    headers: Record<string, string>,
    token: string,
    isSearch: boolean,
    now: number,
    refused?: RateDecision,
    policy?: RatePolicy,
  ): void {
    if (isSearch && !this.options.rateLimitHeadersOnSearch && !refused) return;
    if (this.daily.enabled) {
      headers['X-HubSpot-RateLimit-Daily'] = String(this.daily.max);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(
        policy === 'DAILY' ? 0 : this.daily.remaining(token, now),
      );
    }
    if (this.burst.enabled) {
      const state = policy === 'TEN_SECONDLY_ROLLING' ? refused : this.burst.peek(token, now);
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(this.burst.windowMs);
      headers['X-HubSpot-RateLimit-Max'] = String(this.burst.max);
      headers['X-HubSpot-RateLimit-Remaining'] = String(state?.remaining ?? 0);
    }
    if (isSearch && this.searchLimiter.enabled) {
      const state = policy === 'SECONDLY' ? refused : this.searchLimiter.peek(token, now);
      headers['X-HubSpot-RateLimit-Secondly'] = String(this.searchLimiter.max);
      headers['X-HubSpot-RateLimit-Secondly-Remaining'] = String(state?.remaining ?? 0);
    } else if (this.burst.enabled) {
      const perSecond = Math.max(1, Math.floor((this.burst.max * 1000) / this.burst.windowMs));
      const state = this.burst.peek(token, now);
      headers['X-HubSpot-RateLimit-Secondly'] = String(perSecond);
      headers['X-HubSpot-RateLimit-Secondly-Remaining'] = String(Math.max(0, Math.min(perSecond, state.remaining)));
    }
  }

  // ---------------------------------------------------------------- admin operations

  adminRecord(id: string): HubSpotAdminRecord {
    const ref = this.store.refOf(id);
    const record = ref === undefined ? undefined : this.store.record(ref);
    if (ref === undefined || !record) return { id, exists: false, archived: false, properties: {}, writes: {} };
    const out: HubSpotAdminRecord = {
      id: record.id,
      exists: true,
      archived: record.archived,
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
      properties: record.props,
      writes: this.store.provenanceOf(ref),
    };
    if (record.archivedAt !== undefined) out.archivedAt = new Date(record.archivedAt).toISOString();
    if (record.mergedInto !== undefined) out.mergedInto = this.store.idOf(record.mergedInto);
    return out;
  }

  adminCreate(properties: Record<string, unknown>, options: HubSpotAdminOptions = {}): HubSpotAdminRecord {
    const values = this.validated(properties);
    const record = this.store.create(values, options.by ?? 'admin', this.source(options), this.at(options));
    return this.adminRecord(record.id);
  }

  adminUpdate(id: string, properties: Record<string, unknown>, options: HubSpotAdminOptions = {}): HubSpotAdminRecord {
    const ref = this.requireRef(id);
    const values = this.validated(properties, true);
    this.store.update(ref, values, options.by ?? 'admin', this.source(options), this.at(options));
    return this.adminRecord(id);
  }

  /** Bulk update at one instant, as a workflow or import does: many records share lastmodifieddate. */
  adminTouch(
    selection: { ids?: string[]; fromIndex?: number; toIndex?: number },
    properties: Record<string, unknown> = {},
    options: HubSpotAdminOptions = {},
  ): { count: number; at: string } {
    const at = this.at(options);
    const values = this.validated(properties, true);
    const refs: number[] = [];
    for (const id of selection.ids ?? []) refs.push(this.requireRef(id));
    if (selection.fromIndex !== undefined) {
      const end = Math.min(selection.toIndex ?? selection.fromIndex + 1, this.store.records.baseCount);
      for (let i = selection.fromIndex; i < end; i++) refs.push(i);
    }
    let count = 0;
    for (const ref of refs) {
      const record = this.store.record(ref);
      if (!record || record.archived) continue;
      this.store.update(ref, values, options.by ?? 'admin', this.source(options), at);
      count++;
    }
    return { count, at: new Date(at).toISOString() };
  }

  adminArchive(id: string, options: HubSpotAdminOptions = {}): void {
    this.store.archive(this.requireRef(id), this.source(options), this.at(options));
  }

  adminGdprDelete(id: string, options: HubSpotAdminOptions = {}): void {
    this.store.gdprDelete(this.requireRef(id), this.at(options));
  }

  adminRestore(id: string, options: HubSpotAdminOptions = {}): HubSpotAdminRecord {
    const record = this.store.restore(this.requireRef(id), this.source(options), this.at(options));
    return this.adminRecord(record.id);
  }

  adminMerge(primaryId: string, mergedId: string, options: HubSpotAdminOptions = {}): HubSpotAdminRecord {
    const record = this.store.merge(
      this.requireRef(primaryId),
      this.requireRef(mergedId),
      options.by ?? 'admin',
      this.source(options),
      this.at(options),
    );
    return this.adminRecord(record.id);
  }

  idForIndex(index: number): string {
    return this.store.idOf(index);
  }

  writeLog(): WriteLogEntry[] {
    return this.store.writeLog();
  }

  async sendWebhooks(
    events?: (HubSpotWebhookEvent | HubSpotEventInput)[],
    options?: HubSpotSendOptions,
  ): Promise<WebhookDelivery[]> {
    if (!events) return this.webhooks.flush();
    const out: WebhookDelivery[] = [];
    for (let i = 0; i < events.length || i === 0; i += 100) out.push(await this.webhooks.send(events.slice(i, i + 100), options));
    return out;
  }

  private validated(properties: Record<string, unknown>, allowReadOnly = false): HubSpotProps {
    const { values, issues } = normaliseWrite(this.store.catalog, properties, { allowReadOnly });
    if (issues.length > 0) {
      throw new HubSpotError(400, `Property values were not valid: ${JSON.stringify(issues)}`, 'VALIDATION_ERROR');
    }
    return values;
  }

  private requireRef(id: string): number {
    const ref = this.store.refOf(id);
    if (ref === undefined || this.store.records.head(ref) === null) {
      throw new HubSpotError(404, `Contact ${id} does not exist`, 'OBJECT_NOT_FOUND');
    }
    return ref;
  }

  private source(options: HubSpotAdminOptions): ChangeSource {
    return options.changeSource ? { changeSource: options.changeSource, api: false } : ADMIN_SOURCE;
  }

  private at(options: HubSpotAdminOptions): number {
    if (options.at === undefined) return this.clock.now();
    return typeof options.at === 'number' ? options.at : Date.parse(options.at);
  }
}

export type { HubSpotRecord };
