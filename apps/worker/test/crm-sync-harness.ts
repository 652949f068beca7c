import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { ConfigModule } from '@corridor/config';
import { QUEUE } from '@corridor/contracts';
import { CrmConnectionSettings, CrmCredentials, CrmKind } from '@corridor/domain';
import { JobProducer, JobsModule } from '@corridor/jobs';
import { ConnectionRepository, CrmSyncStore, PersistenceModule } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import type { SandboxOptionsInput } from '../../crm-sandbox/src/sandbox-options';
import { CrmSyncWorkerModule } from '../src/crm-sync/crm-sync-worker.module';
import { CrmSyncService } from '../src/crm-sync/crm-sync.service';
import { WebhookEventsService } from '../src/crm-sync/webhook-events.service';
import { CrmWritebackWorkerModule } from '../src/crm-writeback/crm-writeback-worker.module';
import { CrmWritebackService } from '../src/crm-writeback/crm-writeback.service';

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule, CrmSyncWorkerModule, CrmWritebackWorkerModule] })
class CrmSyncTestModule {}

export type Sandbox = Awaited<ReturnType<typeof startCrmSandbox>>;

/**
 * The crm-sync and crm-writeback parts of the worker in-process, a database and Redis prefix of the
 * test file's own, and the CRM sandbox over HTTP: the real clients talk to it unmodified.
 */
export interface SyncHarness {
  ctx: TestContext;
  sandbox: Sandbox;
  app: INestApplicationContext;
  db: Client;
  sync: CrmSyncService;
  webhooks: WebhookEventsService;
  writeback: CrmWritebackService;
  store: CrmSyncStore;
  connections: ConnectionRepository;
  jobs: JobProducer;
  addHubSpot(settings?: CrmConnectionSettings, credentials?: Partial<CrmCredentials>): Promise<string>;
  addSalesforce(settings?: CrmConnectionSettings, credentials?: Partial<CrmCredentials>): Promise<string>;
  /** customer ids handed to EVALUATE_CUSTOMERS since the last call, by cause. */
  takeEvaluations(): Promise<{ new_customer: string[]; data_change: string[] }>;
  close(): Promise<void>;
}

export async function startSyncHarness(sandboxOptions: SandboxOptionsInput = {}): Promise<SyncHarness> {
  const ctx = await createTestContext();
  const sandbox = await startCrmSandbox({ port: 0, ...sandboxOptions } as never);
  const app = await NestFactory.createApplicationContext(CrmSyncTestModule, { logger: process.env.TEST_LOG_LEVEL ? undefined : false });
  await app.init();
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  const connections = app.get(ConnectionRepository);
  const jobs = app.get(JobProducer);
  const seen = new Set<string>();
  const add = async (kind: CrmKind, settings: CrmConnectionSettings, credentials: CrmCredentials) =>
    (await connections.create({ kind, name: `${kind} test`, settings: { syncIntervalSeconds: 0, ...settings }, credentials })).id;
  return {
    ctx,
    sandbox,
    app,
    db,
    sync: app.get(CrmSyncService),
    webhooks: app.get(WebhookEventsService),
    writeback: app.get(CrmWritebackService),
    store: app.get(CrmSyncStore),
    connections,
    jobs,
    addHubSpot: (settings = {}, credentials = {}) =>
      add('hubspot', { basePath: sandbox.url, searchLagMs: 0, ...settings }, {
        kind: 'hubspot',
        accessToken: 'sandbox-hubspot-token',
        webhookClientSecret: 'sandbox-hubspot-client-secret',
        ...credentials,
      } as CrmCredentials),
    addSalesforce: (settings = {}, credentials = {}) =>
      add('salesforce', { loginUrl: sandbox.url, ...settings }, {
        kind: 'salesforce',
        clientId: 'sandbox-salesforce-client-id',
        clientSecret: 'sandbox-salesforce-client-secret',
        username: 'integration@corridor.sandbox',
        password: 'sandbox-password',
        webhookSecret: 'sandbox-salesforce-webhook-secret',
        ...credentials,
      } as CrmCredentials),
    async takeEvaluations() {
      const queued = await jobs.queue(QUEUE.segmentationLive).getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'], 0, -1);
      const out = { new_customer: [] as string[], data_change: [] as string[] };
      for (const j of queued) {
        if (j.name !== 'evaluate-customers' || seen.has(String(j.id))) continue;
        seen.add(String(j.id));
        out[j.data.cause as 'new_customer' | 'data_change'].push(...j.data.customerIds);
      }
      return out;
    },
    async close() {
      await db.end();
      await app.close();
      await sandbox.close();
      await ctx.dispose();
    },
  };
}

export async function countCustomers(db: Client, connectionId: string): Promise<{ live: number; deleted: number; merged: number }> {
  const { rows } = await db.query(
    `SELECT count(*) FILTER (WHERE deleted_at IS NULL AND merged_into_id IS NULL)::int AS live,
            count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted,
            count(*) FILTER (WHERE merged_into_id IS NOT NULL)::int AS merged
       FROM customers WHERE connection_id = $1`,
    [connectionId],
  );
  return rows[0];
}
