import { Client } from '@hubspot/api-client';
import * as jsforce from 'jsforce';
import { type CrmSandbox, startCrmSandbox } from '../src/sandbox-server';
import {
  DEFAULT_HUBSPOT_TOKEN,
  DEFAULT_SALESFORCE_CLIENT_ID,
  DEFAULT_SALESFORCE_CLIENT_SECRET,
  DEFAULT_SALESFORCE_PASSWORD,
  DEFAULT_SALESFORCE_USERNAME,
} from '../src/sandbox-options';

jest.setTimeout(120_000);

const N = 100_000;
const PROPERTIES = [
  'email', 'firstname', 'lastname', 'company', 'jobtitle', 'lifecyclestage', 'hs_lead_status', 'country', 'city', 'industry',
  'annualrevenue', 'numemployees', 'total_revenue', 'num_orders', 'last_purchase_date', 'hs_persona', 'hs_email_optout',
  'loyalty_tier', 'nps_score',
];
/**
 * Paging a large portal/org to the end through the real clients. Speed is measured by
 * `npm run bench:sync`, not here (no timed assertions in tests).
 */
describe('paging 100,000 records through the real clients', () => {
  let sandbox: CrmSandbox;
  beforeAll(async () => {
    sandbox = await startCrmSandbox({
      port: 0,
      hubspot: { contacts: N, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
      salesforce: { contacts: N, leads: 10, dailyApiLimit: 0 },
    });
  });
  afterAll(() => sandbox?.close());

  it('HubSpot: full list pull, pages of 100', async () => {
    const client = new Client({ accessToken: DEFAULT_HUBSPOT_TOKEN, basePath: sandbox.url });
    const all = await client.crm.contacts.getAll(100, undefined, PROPERTIES);
    expect(all).toHaveLength(N);
    expect(sandbox.admin.stats().hubspot.byEndpoint['GET /crm/v3/objects/contacts']).toBe(N / 100);
  });

  it('Salesforce: query + queryMore, batches of 2,000', async () => {
    const conn = new jsforce.Connection({
      loginUrl: sandbox.url,
      version: '59.0',
      oauth2: { clientId: DEFAULT_SALESFORCE_CLIENT_ID, clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET, loginUrl: sandbox.url },
    });
    await conn.login(DEFAULT_SALESFORCE_USERNAME, DEFAULT_SALESFORCE_PASSWORD);
    let result = await conn.query(
      'SELECT Id, Email, FirstName, LastName, Title, MailingCountry, MailingCity, Account.Industry, Account.AnnualRevenue, ' +
        'SystemModstamp FROM Contact WHERE SystemModstamp >= 2020-01-01T00:00:00Z ORDER BY SystemModstamp, Id',
    );
    let count = result.records.length;
    while (!result.done) {
      result = await conn.queryMore(result.nextRecordsUrl as string);
      count += result.records.length;
    }
    expect(count).toBe(N);
  });
});
