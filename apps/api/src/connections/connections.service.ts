import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { QUEUE, SYNC_CONNECTION, syncSchedulerId, WRITEBACK_CONNECTION } from '@corridor/contracts';
import { CrmConnectorFactory, writebackFingerprintOf, writebackTargetsOf } from '@corridor/crm';
import {
  ConflictError,
  ConnectionCheck,
  ConnectionTestResult,
  CrmConnectionSettings,
  CrmConnector,
  CrmCredentials,
  credentialsMissingForMove,
  DEFAULT_SYNC_INTERVAL_SECONDS,
  DomainError,
  NotFoundError,
  SyncRun,
  ValidationError,
} from '@corridor/domain';
import { enqueueAfterCommit, JobProducer, JobSchedules, syncJobOptions } from '@corridor/jobs';
import { ConnectionRepository, ConnectionSummary, CrmSyncStore, WritebackStore } from '@corridor/persistence';
import { CrmAddressChecker } from './crm-address.checker';
import { ConnectionDto, ConnectionSyncStatusDto, CreateConnectionDto, SyncRunDto, UpdateConnectionDto, WritebackStatusDto } from './connection.dto';

/** A connection test or field check on create/update answers within this, or becomes a warning. */
const PROBE_TIMEOUT_MS = 15_000;
/**
 * One request of a connection test: a CRM that accepts and never answers (mid-describe) fails the
 * check it hung in well within PROBE_TIMEOUT_MS, so the answer still says which checks passed.
 */
const PROBE_CALL_TIMEOUT_MS = 4_000;
/** How a connection test's connector is built: no shared budget, no retries, short requests. */
const PROBE_OPTIONS = { unbudgeted: true, maxAttempts: 1, callTimeoutMs: PROBE_CALL_TIMEOUT_MS };
/** Reading the next scheduled sync from the queue: a Redis that is away gives null, not a hang. */
const SCHEDULE_READ_TIMEOUT_MS = 2_000;

/** CRM connections: stored with sealed credentials, tested on demand, synced on a schedule (BullMQ job scheduler). */
@Injectable()
export class ConnectionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('connections');

  constructor(
    private readonly connections: ConnectionRepository,
    private readonly syncs: CrmSyncStore,
    private readonly connectors: CrmConnectorFactory,
    private readonly jobs: JobProducer,
    private readonly schedules: JobSchedules,
    private readonly writeback: WritebackStore,
    private readonly addresses: CrmAddressChecker,
    readonly config: AppConfig,
  ) {}

  /** Re-creates every connection's scheduler at boot (idempotent: fixed scheduler ids); the worker's watchdog also re-creates missing ones. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const c of await this.connections.list()) await this.schedule(c);
    } catch (e) {
      this.logger.warn({ msg: 'could not reconcile sync schedules', err: (e as Error).message });
    }
  }

  list(): Promise<ConnectionSummary[]> {
    return this.connections.list();
  }

  get(id: string): Promise<ConnectionSummary> {
    return this.connections.summary(id);
  }

  async create(dto: CreateConnectionDto): Promise<{ connection: ConnectionSummary; warnings: ConnectionCheck[] }> {
    const credentials: CrmCredentials =
      dto.kind === 'hubspot'
        ? { kind: 'hubspot', accessToken: dto.accessToken!, ...(dto.webhookClientSecret ? { webhookClientSecret: dto.webhookClientSecret } : {}) }
        : {
            kind: 'salesforce',
            clientId: dto.clientId!,
            clientSecret: dto.clientSecret!,
            ...(dto.username ? { username: dto.username, password: dto.password } : {}),
            ...(dto.webhookSecret ? { webhookSecret: dto.webhookSecret } : {}),
          };
    this.refuseForeignFields(dto);
    await this.addresses.check(dto);
    const settings: CrmConnectionSettings = {
      ...(dto.settings as CrmConnectionSettings | undefined),
      ...(dto.basePath ? { basePath: dto.basePath } : {}),
      ...(dto.loginUrl ? { loginUrl: dto.loginUrl } : {}),
      ...(dto.instanceUrl ? { instanceUrl: dto.instanceUrl } : {}),
    };
    const probe = this.connectors.create({ id: 'new', kind: dto.kind, name: dto.name, settings, credentials }, PROBE_OPTIONS);
    const warnings: ConnectionCheck[] = [];
    if (writebackTargetsSet(dto.settings as CrmConnectionSettings | undefined)) warnings.push(...(await this.checkWritebackFields(probe)));
    // The test says what is wrong now; the connection is created anyway (a token can be fixed later).
    const test = await boundedTest(probe);
    warnings.push(...test.checks.filter((c) => c.status !== 'ok' && !warnings.some((w) => w.check === c.check && w.message === c.message)));
    if ((settings.syncIntervalSeconds ?? DEFAULT_SYNC_INTERVAL_SECONDS) === 0) {
      warnings.push({
        check: 'schedule',
        status: 'warning',
        code: 'SYNC_MANUAL_ONLY',
        message: 'syncIntervalSeconds is 0: no sync runs by itself, not even the first; start one with POST /v1/connections/:id/sync',
      });
    }
    const created = await this.connections.create({ kind: dto.kind, name: dto.name, settings, credentials });
    await enqueueAfterCommit('schedule', { connectionId: created.id }, () => this.schedule(created));
    return { connection: created, warnings };
  }

  /**
   * Checks the write-back targets in the CRM (properties / describe): a field that is missing,
   * read-only or not text is a 400 naming the setting; a CRM that cannot be asked is a warning.
   */
  private async checkWritebackFields(probe: CrmConnector): Promise<ConnectionCheck[]> {
    let problems;
    try {
      problems = await bounded(probe.checkWritebackFields(), 'Checking the write-back fields');
    } catch (e) {
      return [{ check: 'writeback_fields', status: 'warning', code: (e as DomainError).code ?? 'CRM_UNAVAILABLE', message: `Could not check the write-back fields: ${(e as Error).message}` }];
    }
    if (problems.length) {
      throw new ValidationError(
        'The write-back fields cannot be written',
        problems.map((p) => ({ field: p.role === 'hsPersona' ? 'settings.writeback.hsPersona' : `settings.writeback.fields.${p.role}`, message: p.message, code: p.code })),
        'CRM_WRITEBACK_FIELD_MISSING',
      );
    }
    return [];
  }

  async update(id: string, dto: UpdateConnectionDto): Promise<ConnectionSummary> {
    const current = await this.connections.get(id);
    this.refuseForeignFields({ ...dto, kind: current.kind });
    const given = new Set(Object.keys(dto).filter((k) => dto[k as keyof UpdateConnectionDto] !== undefined));
    const missing = credentialsMissingForMove(current, dto, given);
    if (missing.length) throw new ValidationError('Changing where a connection points requires its credentials again', missing, 'CREDENTIALS_REQUIRED');
    await this.addresses.check(dto);
    const settings: CrmConnectionSettings = {
      ...current.settings,
      // Only the keys sent: the DTO instance also carries its unset fields as undefined, which
      // would reset syncIntervalSeconds, searchLagMs, … to their defaults on any settings change.
      ...definedOnly(dto.settings as CrmConnectionSettings | undefined),
      ...(dto.basePath ? { basePath: dto.basePath } : {}),
      ...(dto.loginUrl ? { loginUrl: dto.loginUrl } : {}),
      ...(dto.instanceUrl ? { instanceUrl: dto.instanceUrl } : {}),
    };
    const c = current.credentials;
    const credentials: CrmCredentials =
      c.kind === 'hubspot'
        ? {
            ...c,
            ...(dto.accessToken ? { accessToken: dto.accessToken } : {}),
            ...(dto.webhookClientSecret ? { webhookClientSecret: dto.webhookClientSecret } : {}),
          }
        : {
            ...c,
            ...(dto.clientId ? { clientId: dto.clientId } : {}),
            ...(dto.clientSecret ? { clientSecret: dto.clientSecret } : {}),
            ...(dto.username ? { username: dto.username } : {}),
            ...(dto.password ? { password: dto.password } : {}),
            ...(dto.webhookSecret ? { webhookSecret: dto.webhookSecret } : {}),
          };
    if (writebackTargetsSet(dto.settings as CrmConnectionSettings | undefined)) {
      const probe = this.connectors.create({ id, kind: current.kind, name: current.name, settings, credentials }, { unbudgeted: true, maxAttempts: 1 });
      await this.checkWritebackFields(probe);
    }
    const updated = await this.connections.update(id, { name: dto.name, settings, credentials });
    await enqueueAfterCommit('schedule', { connectionId: id }, () => this.schedule(updated));
    const before = { enabled: current.settings.writeback?.enabled !== false, targets: writebackFingerprintOf(current.kind, current.settings) };
    const after = { enabled: settings.writeback?.enabled !== false, targets: writebackFingerprintOf(current.kind, settings) };
    if (after.enabled && (before.enabled !== after.enabled || before.targets !== after.targets)) {
      // New targets (or write-back switched on): a blocked write-back tries again now, not at its re-check.
      // Best effort: without it the blocked write-back still tries again at its re-check.
      await enqueueAfterCommit('write-back', { connectionId: id }, () => this.jobs.enqueue(WRITEBACK_CONNECTION, { connectionId: id }));
    }
    return updated;
  }

  /** The connection as the API shows it: settings, sync (last, current, next) and write-back status. */
  async view(c: ConnectionSummary, warnings?: ConnectionCheck[]): Promise<ConnectionDto> {
    const [sync, writeback] = await Promise.all([this.syncStatus(c), this.writebackStatus(c)]);
    return { ...ConnectionDto.of(c, this.config.PUBLIC_URL), sync, writeback, ...(warnings ? { warnings } : {}) };
  }

  async writebackStatus(c: ConnectionSummary): Promise<WritebackStatusDto> {
    const cursor = await this.writeback.cursor(c.id);
    const targets = writebackTargetsOf(c.kind, c.settings);
    const enabled = c.settings.writeback?.enabled !== false;
    // A block recorded for other targets no longer holds: the next write-back checks the new ones.
    const blocked = cursor.blocked && cursor.blocked.settings === writebackFingerprintOf(c.kind, c.settings) ? cursor.blocked : null;
    return {
      enabled,
      state: !enabled ? 'disabled' : blocked ? 'blocked' : 'active',
      fields: { persona: targets.persona!, strategy: targets.strategy ?? null, ...(targets.hsPersona ? { hsPersona: targets.hsPersona } : {}) },
      written: cursor.written,
      skipped: cursor.skipped,
      failed: cursor.failed,
      lastRunAt: cursor.updatedAt?.toISOString() ?? null,
      lastError: cursor.lastError ? { code: cursor.lastError.code, message: cursor.lastError.message, at: cursor.lastError.at.toISOString() } : null,
      blocked: blocked
        ? { code: blocked.code, reason: blocked.reason, since: blocked.since.toISOString(), recheckAt: blocked.recheckAt?.toISOString() ?? null }
        : null,
    };
  }

  private async syncStatus(c: ConnectionSummary): Promise<ConnectionSyncStatusDto> {
    const interval = c.settings.syncIntervalSeconds ?? DEFAULT_SYNC_INTERVAL_SECONDS;
    const [current, last, next] = await Promise.all([
      this.syncs.findActive(c.id),
      this.syncs.lastFinished(c.id),
      interval > 0 ? this.nextScheduled(c.id) : Promise.resolve(null),
    ]);
    return {
      schedule: interval > 0 ? 'interval' : 'manual',
      intervalSeconds: interval,
      lastSync: last ? SyncRunDto.of(last) : null,
      currentRun: current ? SyncRunDto.of(current) : null,
      nextSyncAt: next,
    };
  }

  private async nextScheduled(connectionId: string): Promise<string | null> {
    try {
      const scheduler = await bounded(this.jobs.queue(QUEUE.crmSync).getJobScheduler(syncSchedulerId(connectionId)), 'Reading the schedule', SCHEDULE_READ_TIMEOUT_MS);
      return scheduler?.next ? new Date(scheduler.next).toISOString() : null;
    } catch {
      return null;
    }
  }

  /** Asks a queued or running sync to stop; 409 when it already finished. */
  async cancelRun(connectionId: string, runId: string): Promise<SyncRun> {
    await this.connections.summary(connectionId);
    const run = await this.syncs.requestCancel(connectionId, runId);
    if (run) return run;
    const existing = await this.syncs.getRun(runId);
    if (existing.connectionId !== connectionId) throw new NotFoundError('Sync run', runId, 'SYNC_RUN_NOT_FOUND');
    throw new ConflictError(
      `The sync run has already finished (${existing.status})`,
      [{ field: 'runId', message: `sync run ${runId} is ${existing.status}`, code: 'SYNC_RUN_FINISHED' }],
      'SYNC_RUN_FINISHED',
    );
  }

  async remove(id: string): Promise<void> {
    await this.connections.remove(id);
    await enqueueAfterCommit('schedule removal', { connectionId: id }, () => this.schedules.removeSync(id));
  }

  async test(id: string): Promise<ConnectionTestResult> {
    const connection = await this.connections.get(id);
    // A few requests: outside the shared budget, no retries and short ones, so a bad URL or a CRM that hangs answers fast.
    return boundedTest(this.connectors.create(connection, PROBE_OPTIONS));
  }

  async startSync(id: string, mode: 'full' | 'incremental'): Promise<SyncRun> {
    const connection = await this.connections.get(id);
    const run = await this.syncs.createRun(connection.id, mode, 'manual');
    await enqueueAfterCommit('sync run', { connectionId: connection.id }, () =>
      this.jobs.enqueue(SYNC_CONNECTION, { connectionId: connection.id, runId: run.id, mode, trigger: 'manual' }, syncJobOptions(this.config)),
    );
    return run;
  }

  async runs(id: string): Promise<SyncRun[]> {
    await this.connections.summary(id);
    return this.syncs.listRuns(id);
  }

  run(runId: string): Promise<SyncRun> {
    return this.syncs.getRun(runId);
  }

  private async schedule(c: ConnectionSummary): Promise<void> {
    await this.schedules.ensureSync(c, { onlyMissing: false });
  }

  /** A HubSpot connection takes no Salesforce fields and the other way round: say which one is wrong. */
  private refuseForeignFields(dto: Partial<CreateConnectionDto>): void {
    const foreign =
      dto.kind === 'hubspot'
        ? (['loginUrl', 'instanceUrl', 'clientId', 'clientSecret', 'username', 'password', 'webhookSecret'] as const)
        : (['accessToken', 'basePath', 'webhookClientSecret'] as const);
    const wrong = foreign.filter((f) => dto[f] !== undefined);
    if (wrong.length) {
      throw new ValidationError(
        `Fields not used by a ${dto.kind} connection`,
        wrong.map((field) => ({ field, message: `${field} does not apply to a ${dto.kind} connection` })),
      );
    }
  }
}

/** Whether a request sets where write-back writes (then the CRM is asked whether those fields can be written). */
function writebackTargetsSet(settings: CrmConnectionSettings | undefined): boolean {
  return Boolean(settings?.writeback && (settings.writeback.fields !== undefined || settings.writeback.hsPersona !== undefined));
}

/** The promise, or a CRM_UNAVAILABLE error after `ms`: a CRM that does not answer never holds a request. */
/** A connection test within PROBE_TIMEOUT_MS; past it, the instance check fails (a CRM too slow to be tested). */
function boundedTest(probe: { test(): Promise<ConnectionTestResult> }): Promise<ConnectionTestResult> {
  return bounded(probe.test(), 'The connection test').catch((e: Error): ConnectionTestResult => ({
    ok: false,
    checks: [{ check: 'instance', status: 'failed', code: (e as DomainError).code ?? 'CRM_UNAVAILABLE', message: e.message }],
  }));
}

function bounded<T>(promise: Promise<T>, what: string, ms = PROBE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DomainError('CRM_UNAVAILABLE', `${what} did not finish within ${ms / 1000} s`, 'unavailable')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
