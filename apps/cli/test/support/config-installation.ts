import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiTestApp, startApiTestApp } from '../../../api/test/api-test-app';
import { importCustomers } from '../../../api/test/seed';
import { WorkerModule } from '../../../worker/src/worker.module';

/** The attributes and treatments config/corridor/ refers to. */
const ATTRIBUTES: Array<[string, string]> = [
  ['company', 'string'], ['total_revenue', 'number'], ['last_purchase_at', 'date'], ['email_opt_out', 'boolean'], ['employees', 'number'],
  ['lifecycle_stage', 'string'], ['annual_revenue', 'number'], ['orders_count', 'number'], ['lead_status', 'string'], ['industry', 'string'],
  ['country', 'string'], ['time_zone', 'string'],
];
const TREATMENTS = ['cart_reminder', 'push_nudge', 'account_review', 'thank_you', 'nothing', 'vip_script', 'save_script', 'renewal_offer', 'support_followup'];

/** Customers the example's personas sort: six recent VIP buyers and four in APAC. */
export const EXAMPLE_CUSTOMERS = [
  ...Array.from({ length: 6 }, (_, i) => ({ id: `vip${i}`, email: `vip${i}@acme.io`, total_revenue: 90000, last_purchase_at: new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10) })),
  ...Array.from({ length: 4 }, (_, i) => ({ id: `apac${i}`, email: `apac${i}@acme.io`, country: 'Japan' })),
];

export interface ConfigInstallation {
  api: ApiTestApp;
  worker: INestApplicationContext;
  /** What the CLI process needs to reach the API as an admin. */
  env: Record<string, string>;
  /** A temporary directory for the files a test writes. */
  dir: string;
  close(): Promise<void>;
}

/**
 * An API and a worker (in-process) with the attributes and treatments config/corridor/ names and
 * the given customers imported, ready for `corridor … apply` of the example.
 */
export async function startConfigInstallation(customers: ReadonlyArray<object>, dirPrefix: string): Promise<ConfigInstallation> {
  const api = await startApiTestApp();
  let worker: INestApplicationContext | undefined;
  try {
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    const env = { ...api.ctx.env, CORRIDOR_API_URL: api.url, CORRIDOR_API_KEY: api.adminKey };
    const dir = await mkdtemp(join(tmpdir(), dirPrefix));
    const admin = api.auth('admin');
    for (const [name, type] of ATTRIBUTES) {
      const res = await api.http.post('/v1/attributes').set(admin).send({ name, type });
      if (res.status !== 201 && res.status !== 409) throw new Error(`attribute ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    for (const key of TREATMENTS) await api.http.post('/v1/treatments').set(admin).send({ key, name: key, type: 'no_action', channel: 'other', config: {} }).expect(201);
    await importCustomers(api, customers);
    const started = worker;
    return {
      api,
      worker: started,
      env,
      dir,
      async close() {
        await started.close();
        await api.close();
      },
    };
  } catch (e) {
    await worker?.close();
    await api.close();
    throw e;
  }
}
