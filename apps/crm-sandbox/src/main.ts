import { startCrmSandbox } from './sandbox-server';
import type { SandboxOptionsInput } from './sandbox-options';

// Environment is read here only; everything else takes an options object.
function int(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
  return value;
}

function str(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function list(name: string): string[] | undefined {
  return str(name)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

async function main(): Promise<void> {
  const rateLimitsOff = str('SANDBOX_RATE_LIMITS') === 'off';
  const options: SandboxOptionsInput = {
    port: int('SANDBOX_PORT') ?? 4010,
    host: str('SANDBOX_HOST') ?? '127.0.0.1',
    seed: str('SANDBOX_SEED'),
    adminToken: str('SANDBOX_ADMIN_TOKEN'),
    clockStart: str('SANDBOX_CLOCK_START'),
    hubspot: {
      contacts: int('SANDBOX_HUBSPOT_CONTACTS') ?? 1000,
      accessTokens: list('SANDBOX_HUBSPOT_TOKENS'),
      searchLagMs: int('SANDBOX_HUBSPOT_SEARCH_LAG_MS'),
      preArchived: int('SANDBOX_HUBSPOT_ARCHIVED'),
      rateLimits: rateLimitsOff
        ? { burstMax: 0, searchPerSecond: 0, daily: 0 }
        : { burstMax: int('SANDBOX_HUBSPOT_BURST_MAX'), searchPerSecond: int('SANDBOX_HUBSPOT_SEARCH_PER_SECOND') },
      webhooks: {
        targetUrl: str('SANDBOX_HUBSPOT_WEBHOOK_URL'),
        clientSecret: str('SANDBOX_HUBSPOT_CLIENT_SECRET'),
        autoEmit: str('SANDBOX_HUBSPOT_WEBHOOK_URL') !== undefined,
      },
    },
    salesforce: {
      contacts: int('SANDBOX_SALESFORCE_CONTACTS'),
      leads: int('SANDBOX_SALESFORCE_LEADS'),
      clientId: str('SANDBOX_SALESFORCE_CLIENT_ID'),
      clientSecret: str('SANDBOX_SALESFORCE_CLIENT_SECRET'),
      username: str('SANDBOX_SALESFORCE_USERNAME'),
      password: str('SANDBOX_SALESFORCE_PASSWORD'),
      securityToken: str('SANDBOX_SALESFORCE_SECURITY_TOKEN'),
      instanceUrl: str('SANDBOX_SALESFORCE_INSTANCE_URL'),
      preDeleted: int('SANDBOX_SALESFORCE_DELETED'),
      dailyApiLimit: rateLimitsOff ? 0 : int('SANDBOX_SALESFORCE_DAILY_API_LIMIT'),
      webhooks: {
        targetUrl: str('SANDBOX_SALESFORCE_WEBHOOK_URL'),
        secret: str('SANDBOX_SALESFORCE_WEBHOOK_SECRET'),
        autoEmit: str('SANDBOX_SALESFORCE_WEBHOOK_URL') !== undefined,
      },
    },
  };
  const sandbox = await startCrmSandbox(options);
  const config = sandbox.admin.options();
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      msg: 'crm-sandbox listening',
      url: sandbox.url,
      hubspot: { basePath: sandbox.url, contacts: config.hubspot.contacts, portalId: config.hubspot.portalId },
      salesforce: { loginUrl: sandbox.url, contacts: config.salesforce.contacts, leads: config.salesforce.leads },
      admin: `${sandbox.url}/_sandbox`,
    })}\n`,
  );
  const stop = (): void => {
    void sandbox.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'crm-sandbox failed to start', error: String(error) })}\n`);
  process.exit(1);
});
