import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { ConfigModule } from '@corridor/config';
import { DISPATCH_DELIVERY } from '@corridor/contracts';
import { CrmCredentials, SalesforceCredentials } from '@corridor/domain';
import { JobProducer, JobsModule } from '@corridor/jobs';
import { ConnectionRepository, PersistenceModule } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { DispatchWorkerModule } from '../src/dispatch/dispatch-worker.module';
import { sandboxSalesforceCredentials } from './crm-sandbox-credentials';

jest.setTimeout(180_000);

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule, DispatchWorkerModule] })
class DispatchTestModule {}

/**
 * CRM treatments through the real dispatch processor (in-process BullMQ worker) and the real
 * clients (@hubspot/api-client, jsforce) against the CRM sandbox; what they did is read back
 * through the sandbox's admin API.
 */
describe('CRM treatments (task, property, list/campaign) through the dispatcher', () => {
  let ctx: TestContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let app: INestApplicationContext;
  let db: Pool;
  let hubspotId: string;
  let salesforceId: string;
  let nextDecision = 1;
  let hubspotList = '';
  let hubspotContact = '';

  beforeAll(async () => {
    Object.assign(process.env, { DISPATCH_MAX_ATTEMPTS: '3', DISPATCH_BACKOFF_BASE_MS: '100', DISPATCH_BACKOFF_MAX_MS: '200' });
    ctx = await createTestContext();
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 20 }, salesforce: { contacts: 20, leads: 5, preDeleted: 0 } } as never);
    app = await NestFactory.createApplicationContext(DispatchTestModule, { logger: process.env.TEST_LOG_LEVEL ? undefined : false });
    await app.init();
    db = new Pool({ connectionString: ctx.databaseUrl, max: 3 });
    hubspotId = (
      await app.get(ConnectionRepository).create({
        kind: 'hubspot',
        name: 'HubSpot',
        settings: { basePath: sandbox.url, syncIntervalSeconds: 0 },
        credentials: { kind: 'hubspot', accessToken: 'sandbox-hubspot-token', webhookClientSecret: 'x' } as CrmCredentials,
      })
    ).id;
    salesforceId = await salesforceConnection('Salesforce', sandboxSalesforceCredentials('x'));
  });

  afterAll(async () => {
    await app?.close();
    await db?.end();
    await sandbox?.close();
    await ctx?.dispose();
  });

  async function salesforceConnection(name: string, credentials: SalesforceCredentials): Promise<string> {
    const settings = { loginUrl: sandbox.url, syncIntervalSeconds: 0 };
    return (await app.get(ConnectionRepository).create({ kind: 'salesforce', name, settings, credentials })).id;
  }

  async function customer(connectionId: string, externalId: string, crmObject: 'contact' | 'lead' = 'contact'): Promise<string> {
    const { rows } = await db.query(
      `INSERT INTO customers (connection_id, crm_object, external_id, content_hash) VALUES ($1, $2, $3, 'h') RETURNING id`,
      [connectionId, crmObject, externalId],
    );
    return String(rows[0].id);
  }

  async function deliver(connectionId: string, customerId: string, type: string, request: Record<string, unknown>) {
    const n = nextDecision++;
    const { rows } = await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, connection_id, status, request, event_received_at)
       VALUES ($1, $1, $2, $3, $4, 'crm', $5, $6, 'pending', $7, now()) RETURNING id`,
      [n, customerId, `t_${type}`, type, `msg_crm_${n}_${Date.now()}`, connectionId, JSON.stringify(request)],
    );
    const id = String(rows[0].id);
    await app.get(JobProducer).enqueue(DISPATCH_DELIVERY, { deliveryId: id, attempt: 1 });
    return id;
  }

  const settled = (id: string) =>
    eventually(async () => {
      const { rows } = await db.query(`SELECT status, attempts, last_status_code, last_error, notice FROM deliveries WHERE id = $1`, [id]);
      return rows[0].status === 'delivered' || rows[0].status === 'dead' ? rows[0] : false;
    }, `delivery ${id} settled`, 60_000);

  it('HubSpot: a task for the owner associated with the contact, a property, a list membership; an unknown list is a dead letter', async () => {
    const hs = sandbox.admin.hubspot;
    const contactId = hs.idForIndex(3);
    hs.updateContact(contactId, { hubspot_owner_id: '71000002' });
    const customerId = await customer(hubspotId, contactId);
    const list = hs.createList('Onboarding VIPs');

    const task = await deliver(hubspotId, customerId, 'crm_task', { subject: 'Call about onboarding', body: 'Persona: Hot lead', dueAt: '2026-12-10T09:00:00.000Z', priority: 'high' });
    const prop = await deliver(hubspotId, customerId, 'crm_property', { property: 'jobtitle', value: 'Champion' });
    const member = await deliver(hubspotId, customerId, 'crm_list', { listId: list.listId });
    const unknownList = await deliver(hubspotId, customerId, 'crm_list', { listId: '999999' });

    expect(await settled(task)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await settled(prop)).toMatchObject({ status: 'delivered' });
    expect(await settled(member)).toMatchObject({ status: 'delivered' });
    expect(await settled(unknownList)).toMatchObject({ status: 'dead', attempts: 1, last_status_code: 404 });

    const [created] = hs.tasks();
    expect(created.contactIds).toEqual([contactId]);
    expect(created.properties).toMatchObject({
      hs_task_subject: 'Call about onboarding',
      hs_task_body: 'Persona: Hot lead',
      hs_task_priority: 'HIGH',
      hs_task_status: 'NOT_STARTED',
      hubspot_owner_id: '71000002',
    });
    expect(new Date(String(created.properties.hs_timestamp)).toISOString()).toBe('2026-12-10T09:00:00.000Z');
    expect(hs.getContact(contactId).properties.jobtitle).toBe('Champion');
    expect(hs.listMembers(list.listId)).toEqual([contactId]);
    hubspotList = list.listId;
    hubspotContact = contactId;

    // Through the connection's shared rate budget (the Redis sliding window every worker shares).
    const redis = new Redis(ctx.redisUrl);
    try {
      expect(await redis.zcard(`${ctx.redisPrefix}:crm-budget:{${hubspotId}}:burst`)).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('HubSpot: a 429 and a 503 from the CRM are retried by the dispatcher; the membership lands once', async () => {
    const hs = sandbox.admin.hubspot;
    const contactId = hs.idForIndex(5);
    const customerId = await customer(hubspotId, contactId);
    const list = hs.createList('Retry list');
    sandbox.admin.failNext('hubspot', { path: `/lists/${list.listId}/memberships/add`, method: 'PUT', status: 429, count: 1, headers: { 'Retry-After': '1' } });
    sandbox.admin.failNext('hubspot', { path: `/lists/${list.listId}/memberships/add`, method: 'PUT', status: 503, count: 1 });
    const id = await deliver(hubspotId, customerId, 'crm_list', { listId: list.listId });
    expect(await settled(id)).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(hs.listMembers(list.listId)).toEqual([contactId]);
  });

  it('HubSpot: the admin API over HTTP shows tasks and list members', async () => {
    const tasks = (await fetch(`${sandbox.url}/_sandbox/hubspot/tasks`).then((r) => r.json())) as { tasks: Array<{ contactIds: string[] }> };
    expect(tasks.tasks.map((t) => t.contactIds)).toEqual([[hubspotContact]]);
    const members = (await fetch(`${sandbox.url}/_sandbox/hubspot/lists/${hubspotList}/members`).then((r) => r.json())) as unknown;
    expect(members).toEqual({ listId: hubspotList, members: [hubspotContact] });
  });

  it('Salesforce: a Task with WhoId, a field update, CampaignMembers for a Contact and a Lead (already a member counts as done)', async () => {
    const sf = sandbox.admin.salesforce;
    const contactId = sf.idForIndex('Contact', 2);
    const leadId = sf.idForIndex('Lead', 1);
    const contact = await customer(salesforceId, contactId);
    const lead = await customer(salesforceId, leadId, 'lead');
    const campaignId = sf.createCampaign('Renewal 2027');

    const task = await deliver(salesforceId, contact, 'crm_task', { subject: 'Renewal call', dueAt: '2026-12-11T15:00:00.000Z', priority: 'low' });
    const prop = await deliver(salesforceId, contact, 'crm_property', { property: 'Title', value: 'Champion' });
    const m1 = await deliver(salesforceId, contact, 'crm_list', { listId: campaignId });
    const m2 = await deliver(salesforceId, lead, 'crm_list', { listId: campaignId });
    for (const id of [task, prop, m1, m2]) expect(await settled(id)).toMatchObject({ status: 'delivered', attempts: 1, notice: null });
    const again = await deliver(salesforceId, contact, 'crm_list', { listId: campaignId });
    expect(await settled(again)).toMatchObject({ status: 'delivered' });

    const [created] = sf.tasks();
    expect(created).toMatchObject({ Subject: 'Renewal call', WhoId: contactId, ActivityDate: '2026-12-11', Priority: 'Low', Status: 'Not Started' });
    expect(String(created.OwnerId)).toMatch(/^005/);
    expect(sf.getRecord('Contact', contactId).fields.Title).toBe('Champion');
    const members = sf.campaignMembers(campaignId);
    expect(members).toHaveLength(2);
    expect(members.map((m) => m.ContactId ?? m.LeadId).sort()).toEqual([contactId, leadId].sort());

    // A campaign that does not exist is refused: permanent, a dead letter.
    const bad = await deliver(salesforceId, contact, 'crm_list', { listId: '701000000000000AAA' });
    expect(await settled(bad)).toMatchObject({ status: 'dead', attempts: 1 });
  });
  const webhookIdOf = async (id: string): Promise<string> => String((await db.query(`SELECT webhook_id FROM deliveries WHERE id = $1`, [id])).rows[0].webhook_id);

  // The CRM commits the create and the connection drops before the answer: the retry must find the
  // task by the delivery's key, not make a second one.
  it('HubSpot: a task whose answer was lost is found on the retry: one task, one delivery sent', async () => {
    const hs = sandbox.admin.hubspot;
    const contactId = hs.idForIndex(7);
    const customerId = await customer(hubspotId, contactId);
    sandbox.admin.failNext('hubspot', { path: '/^\\/crm\\/v3\\/objects\\/tasks(\\?|$)/', method: 'POST', status: 'drop-after', count: 1 });
    const id = await deliver(hubspotId, customerId, 'crm_task', { subject: 'Lost answer (HubSpot)', dueAt: '2026-12-12T09:00:00.000Z' });
    expect(await settled(id)).toMatchObject({ status: 'delivered', attempts: 2 });
    const made = hs.tasks().filter((t) => t.properties.hs_task_subject === 'Lost answer (HubSpot)');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ contactIds: [contactId], properties: { corridor_delivery_id: await webhookIdOf(id) } });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE customer_id = $1 AND status = 'delivered'`, [customerId]);
    expect(rows[0].n).toBe(1);
  });

  it('Salesforce: a Task whose answer was lost is found on the retry (SOQL on its key): one Task, one delivery sent', async () => {
    const sf = sandbox.admin.salesforce;
    const contactId = sf.idForIndex('Contact', 4);
    const customerId = await customer(salesforceId, contactId);
    sandbox.admin.failNext('salesforce', { path: '/sobjects/Task', method: 'POST', status: 'drop-after', count: 1 });
    const id = await deliver(salesforceId, customerId, 'crm_task', { subject: 'Lost answer (Salesforce)', dueAt: '2026-12-12T09:00:00.000Z' });
    expect(await settled(id)).toMatchObject({ status: 'delivered', attempts: 2 });
    const made = sf.tasks().filter((t) => t.Subject === 'Lost answer (Salesforce)');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ WhoId: contactId, Corridor_Delivery_Id__c: await webhookIdOf(id) });
    expect((await settled(id)).notice).toBeNull();
  });

  // The org's admin has not added Task.Corridor_Delivery_Id__c: tasks are still made (the owner gets
  // the follow-up), each delivery says why it is not exactly once, and a lost answer makes two.
  it('Salesforce without Task.Corridor_Delivery_Id__c: Tasks are made unstamped and each delivery carries the notice; one describe per connection', async () => {
    const sf = sandbox.admin.salesforce;
    const bareId = await salesforceConnection('Salesforce without the task key field', sandboxSalesforceCredentials());
    const describes = () => sandbox.admin.stats().salesforce.byEndpoint['GET /services/data/vXX.X/sobjects/Task/describe'] ?? 0;
    sandbox.admin.configure({ salesforce: { absentFields: ['Task.Corridor_Delivery_Id__c'] } } as never);
    try {
      const describedBefore = describes();
      const contacts = [sf.idForIndex('Contact', 9), sf.idForIndex('Contact', 10)];
      const plain = await Promise.all(contacts.map(async (c, i) => deliver(bareId, await customer(bareId, c), 'crm_task', { subject: `Unstamped ${i}`, dueAt: '2026-12-14T09:00:00.000Z' })));
      for (const id of plain) {
        const row = await settled(id);
        expect(row).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
        expect(row.notice).toMatch(/^CRM_TASK_KEY_FIELD_MISSING: Salesforce field Task\.Corridor_Delivery_Id__c does not exist/);
        expect(row.notice).toContain('docs/treatments.md');
      }
      expect(sf.tasks().filter((t) => String(t.Subject).startsWith('Unstamped'))).toHaveLength(2);
      // Cached per connection: two tasks, one describe.
      expect(describes() - describedBefore).toBe(1);

      // The documented cost: an answer lost after the create leaves a second Task on the retry.
      sandbox.admin.failNext('salesforce', { path: '/sobjects/Task', method: 'POST', status: 'drop-after', count: 1 });
      const lost = await deliver(bareId, await customer(bareId, sf.idForIndex('Contact', 11)), 'crm_task', { subject: 'Lost answer, no key', dueAt: '2026-12-14T09:00:00.000Z' });
      expect(await settled(lost)).toMatchObject({ status: 'delivered', attempts: 2, notice: expect.stringMatching(/^CRM_TASK_KEY_FIELD_MISSING/) });
      expect(sf.tasks().filter((t) => t.Subject === 'Lost answer, no key')).toHaveLength(2);

      // A connection whose cached describe still says the field exists (it went since): SOQL says
      // INVALID_FIELD, and the task is made unstamped with the same notice rather than failing.
      const stale = await deliver(salesforceId, await customer(salesforceId, sf.idForIndex('Contact', 12)), 'crm_task', { subject: 'Field went', dueAt: '2026-12-14T09:00:00.000Z' });
      expect(await settled(stale)).toMatchObject({ status: 'delivered', attempts: 1, notice: expect.stringMatching(/^CRM_TASK_KEY_FIELD_MISSING/) });
    } finally {
      sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
    }
    expect(sf.tasks().filter((t) => t.Subject === 'Field went')).toHaveLength(1);
  });

  it('a property update and a list/campaign membership whose answer was lost are simply made again: idempotent by nature', async () => {
    const hs = sandbox.admin.hubspot;
    const sf = sandbox.admin.salesforce;
    const hsContact = hs.idForIndex(8);
    const hsCustomer = await customer(hubspotId, hsContact);
    const list = hs.createList('Lost answers');
    const sfContact = sf.idForIndex('Contact', 5);
    const sfCustomer = await customer(salesforceId, sfContact);
    const campaignId = sf.createCampaign('Lost answers');
    const dropped = () => sandbox.admin.stats().hubspot.byOutcome.dropped + sandbox.admin.stats().salesforce.byOutcome.dropped;
    const droppedBefore = dropped();
    sandbox.admin.failNext('hubspot', { path: `/lists/${list.listId}/memberships/add`, method: 'PUT', status: 'drop-after', count: 1 });
    sandbox.admin.failNext('hubspot', { path: `/objects/contacts/${hsContact}`, method: 'PATCH', status: 'drop-after', count: 1 });
    sandbox.admin.failNext('salesforce', { path: '/sobjects/CampaignMember', method: 'POST', status: 'drop-after', count: 1 });
    sandbox.admin.failNext('salesforce', { path: `/sobjects/Contact/${sfContact}`, method: 'PATCH', status: 'drop-after', count: 1 });
    const ids = [
      await deliver(hubspotId, hsCustomer, 'crm_list', { listId: list.listId }),
      await deliver(hubspotId, hsCustomer, 'crm_property', { property: 'jobtitle', value: 'Twice written' }),
      await deliver(salesforceId, sfCustomer, 'crm_list', { listId: campaignId }),
      await deliver(salesforceId, sfCustomer, 'crm_property', { property: 'Title', value: 'Twice written' }),
    ];
    for (const id of ids) expect(await settled(id)).toMatchObject({ status: 'delivered' });
    // The second write changed nothing: one member, the same value.
    expect(hs.listMembers(list.listId)).toEqual([hsContact]);
    expect(hs.getContact(hsContact).properties.jobtitle).toBe('Twice written');
    expect(sf.campaignMembers(campaignId)).toHaveLength(1);
    expect(sf.getRecord('Contact', sfContact).fields.Title).toBe('Twice written');
    // Every one of them was written, and its answer lost, once.
    expect(dropped() - droppedBefore).toBe(4);
  });
});
