import type * as http from 'node:http';
import { HubSpotConnector, SalesforceConnector, UNLIMITED_BUDGET } from '@corridor/crm';
import { guardedAgents, GuardedAgents } from '@corridor/destinations';
import { CRM_ERROR, CRM_RULE, CrmConnectionSettings, DestinationAllowList } from '@corridor/domain';
import { eventually } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { sandboxSalesforceCredentials } from './crm-sandbox-credentials';

jest.setTimeout(60_000);

/** Far longer than the test may take: a connection still open after the timeout is the leak. */
const HANG_MS = 120_000;
// Generous, so that the set-up calls never hit it on a loaded machine.
const CALL_TIMEOUT_MS = 3_000;

/**
 * CRM_CALL_TIMEOUT_MS with a CRM that answers slower than it: the timed-out attempt aborts its
 * request, through both official clients (@hubspot/api-client over node-fetch, jsforce), so the
 * sandbox sees the connection closed long before it would have answered, and no socket is left open
 * on either side. The sandbox's injected latency runs before any handling, so nothing was written.
 */
describe('a timed-out CRM call closes its connection', () => {
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;

  beforeAll(async () => {
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 5 }, salesforce: { contacts: 5, leads: 0, preDeleted: 0 } } as never);
  });
  const made: GuardedAgents[] = [];
  afterEach(() => {
    sandbox.admin.clearFaults();
    for (const agents of made.splice(0)) agents.http.destroy();
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const allow = (): GuardedAgents => {
    const agents = guardedAgents(new DestinationAllowList(['127.0.0.1', 'localhost']), CRM_RULE);
    made.push(agents);
    return agents;
  };
  const clientSockets = (agents: GuardedAgents): number =>
    [agents.http, agents.https].reduce((n, a: http.Agent) => n + [...Object.values(a.sockets), ...Object.values(a.freeSockets)].reduce((m, list) => m + (list?.length ?? 0), 0), 0);

  /** Closes the idle keep-alive connections of the calls that set up the test, so that only the hung call's could stay open. */
  async function idle(agents: GuardedAgents): Promise<void> {
    agents.http.destroy();
    await eventually(async () => sandbox.openConnections() === 0, 'set-up connections closed', 10_000);
  }

  async function expectClosed(agents: GuardedAgents, call: () => Promise<unknown>): Promise<void> {
    await expect(call()).rejects.toMatchObject({ code: CRM_ERROR.unavailable, message: expect.stringContaining(`within ${CALL_TIMEOUT_MS} ms`) });
    // Well within HANG_MS: closed by the client, not by the sandbox answering or timing out.
    await eventually(async () => sandbox.openConnections() === 0 && clientSockets(agents) === 0, 'the hung connection closed on both sides', 15_000);
  }

  it('HubSpot: the typed API (node-fetch) and the raw JSON path', async () => {
    const agents = allow();
    const hs = new HubSpotConnector({
      accessToken: 'sandbox-hubspot-token',
      settings: { basePath: sandbox.url } as CrmConnectionSettings,
      budget: UNLIMITED_BUDGET,
      maxAttempts: 1,
      callTimeoutMs: CALL_TIMEOUT_MS,
      agents,
    });
    const contactId = sandbox.admin.hubspot.idForIndex(1);
    const start = hs.begin('full', null, new Date());
    await hs.readPage(start); // discovery done: the next read is one raw request
    await idle(agents);

    sandbox.admin.configure({ hubspot: { faults: { latencyMs: HANG_MS } } });
    await expectClosed(agents, () => hs.setProperty({ externalId: contactId, crmObject: 'contact' }, 'jobtitle', 'Hung'));
    await expectClosed(agents, () => hs.readPage(start));
    sandbox.admin.clearFaults();
    expect(sandbox.admin.hubspot.getContact(contactId).properties.jobtitle).not.toBe('Hung');

    // The agents still work: the next call opens a fresh connection.
    await hs.setProperty({ externalId: contactId, crmObject: 'contact' }, 'jobtitle', 'Answered');
    expect(sandbox.admin.hubspot.getContact(contactId).properties.jobtitle).toBe('Answered');
  });

  it('Salesforce: jsforce through the guarded transport', async () => {
    const agents = allow();
    const sf = new SalesforceConnector({
      credentials: sandboxSalesforceCredentials('x'),
      settings: { loginUrl: sandbox.url } as CrmConnectionSettings,
      budget: UNLIMITED_BUDGET,
      maxAttempts: 1,
      callTimeoutMs: CALL_TIMEOUT_MS,
      agents,
    });
    const contactId = sandbox.admin.salesforce.idForIndex('Contact', 1);
    await sf.setProperty({ externalId: contactId, crmObject: 'contact' }, 'Title', 'Before'); // logs in
    await idle(agents);

    sandbox.admin.configure({ salesforce: { faults: { latencyMs: HANG_MS } } });
    await expectClosed(agents, () => sf.setProperty({ externalId: contactId, crmObject: 'contact' }, 'Title', 'Hung'));
    sandbox.admin.clearFaults();
    await sf.setProperty({ externalId: contactId, crmObject: 'contact' }, 'Title', 'Answered');
  });
});
