import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { SYNC_CONNECTION } from '@corridor/contracts';
import { CrmConnectorFactory } from '@corridor/crm';
import {
  ConnectionTestResult,
  CrmConnectionSettings,
  CrmCredentials,
  credentialsMissingForMove,
  SyncRun,
  ValidationError,
} from '@corridor/domain';
import { JobProducer, JobSchedules } from '@corridor/jobs';
import { ConnectionRepository, ConnectionSummary, CrmSyncStore } from '@corridor/persistence';
import { CreateConnectionDto, UpdateConnectionDto } from './connection.dto';

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

  async create(dto: CreateConnectionDto): Promise<ConnectionSummary> {
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
    const settings: CrmConnectionSettings = {
      ...(dto.settings as CrmConnectionSettings | undefined),
      ...(dto.basePath ? { basePath: dto.basePath } : {}),
      ...(dto.loginUrl ? { loginUrl: dto.loginUrl } : {}),
      ...(dto.instanceUrl ? { instanceUrl: dto.instanceUrl } : {}),
    };
    const created = await this.connections.create({ kind: dto.kind, name: dto.name, settings, credentials });
    await this.schedule(created);
    return created;
  }

  async update(id: string, dto: UpdateConnectionDto): Promise<ConnectionSummary> {
    const current = await this.connections.get(id);
    this.refuseForeignFields({ ...dto, kind: current.kind });
    const given = new Set(Object.keys(dto).filter((k) => dto[k as keyof UpdateConnectionDto] !== undefined));
    const missing = credentialsMissingForMove(current, dto, given);
    if (missing.length) throw new ValidationError('Changing where a connection points requires its credentials again', missing, 'CREDENTIALS_REQUIRED');
    const settings: CrmConnectionSettings = {
      ...current.settings,
      ...(dto.settings as CrmConnectionSettings | undefined),
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
    const updated = await this.connections.update(id, { name: dto.name, settings, credentials });
    await this.schedule(updated);
    return updated;
  }

  async remove(id: string): Promise<void> {
    await this.connections.remove(id);
    await this.schedules.removeSync(id);
  }

  async test(id: string): Promise<ConnectionTestResult> {
    const connection = await this.connections.get(id);
    // Two or three requests: outside the shared budget, and no retries so a bad URL answers fast.
    return this.connectors.create(connection, { unbudgeted: true, maxAttempts: 1 }).test();
  }

  async startSync(id: string, mode: 'full' | 'incremental'): Promise<SyncRun> {
    const connection = await this.connections.get(id);
    const run = await this.syncs.createRun(connection.id, mode, 'manual');
    await this.jobs.enqueue(SYNC_CONNECTION, { connectionId: connection.id, runId: run.id, mode, trigger: 'manual' });
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
