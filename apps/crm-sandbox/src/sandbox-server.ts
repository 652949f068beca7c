import type { AddressInfo, Socket } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import type { FailRule } from './core/fault-injector';
import { hubSpotRouter } from './hubspot/hubspot-routes';
import type { HubSpotAdminOptions } from './hubspot/hubspot-service';
import { HubSpotError } from './hubspot/hubspot-store';
import { salesforceRouter } from './salesforce/salesforce-routes';
import { schemaFor, type WritableObject } from './salesforce/salesforce-schema';
import { SalesforceError, type SalesforceAdminOptions } from './salesforce/salesforce-service';
import { type CrmName, SandboxAdmin, SandboxRuntime } from './sandbox-admin';
import type { SandboxOptions, SandboxOptionsInput } from './sandbox-options';

export interface CrmSandbox {
  url: string;
  port: number;
  close(): Promise<void>;
  admin: SandboxAdmin;
  /** TCP connections clients hold open to the sandbox now (a client that gave up must have closed its own). */
  openConnections(): number;
}

export type { SandboxOptions, SandboxOptionsInput };
export { SandboxAdmin };

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function writableObject(name: string): WritableObject {
  const schema = schemaFor(name);
  if (!schema || (schema.name !== 'Contact' && schema.name !== 'Lead')) throw new AdminError(404, `Unknown writable object ${name}`);
  return schema.name;
}

function crmName(value: unknown): CrmName {
  if (value === 'hubspot' || value === 'salesforce') return value;
  throw new AdminError(400, 'crm must be "hubspot" or "salesforce"');
}

type Body = Record<string, unknown>;

function hubSpotOptions(body: Body): HubSpotAdminOptions {
  return {
    by: typeof body.by === 'string' ? body.by : undefined,
    changeSource: typeof body.changeSource === 'string' ? body.changeSource : undefined,
    at: typeof body.at === 'string' || typeof body.at === 'number' ? body.at : undefined,
  };
}

function salesforceOptions(body: Body): SalesforceAdminOptions {
  const as = body.as === 'automation' || body.as === 'integration' || body.as === 'user' ? body.as : undefined;
  return { as, at: typeof body.at === 'string' || typeof body.at === 'number' ? body.at : undefined };
}

/** /_sandbox/*: the admin API over HTTP, mirroring SandboxAdmin. */
function adminRouter(admin: SandboxAdmin, adminToken: () => string | undefined): Router {
  const router = Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    const expected = adminToken();
    if (!expected) return next();
    const header = req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? req.headers['x-sandbox-admin-token'];
    if (header !== expected) {
      res.status(401).json({ error: 'unauthorized', message: 'Admin token required' });
      return;
    }
    next();
  });
  router.use(express.json({ limit: '20mb' }));
  const body = (req: Request): Body => (req.body && typeof req.body === 'object' ? (req.body as Body) : {});
  const handle =
    (fn: (req: Request, res: Response) => unknown): RequestHandler =>
    async (req, res, next) => {
      try {
        const result = await fn(req, res);
        if (!res.headersSent) {
          if (result === undefined) res.status(204).end();
          else res.json(result);
        }
      } catch (error) {
        next(error);
      }
    };

  router.get('/health', handle(() => ({ ok: true, now: admin.clockState().iso })));
  router.get('/config', handle(() => admin.options()));
  router.patch('/config', handle((req) => admin.configure(body(req) as SandboxOptionsInput)));
  router.post('/reset', handle((req) => admin.reset(body(req) as SandboxOptionsInput)));
  router.get('/clock', handle(() => admin.clockState()));
  router.post(
    '/clock',
    handle((req) => {
      const b = body(req);
      if (b.real === true) admin.useRealClock();
      if (b.set !== undefined) admin.setClock(b.set as string | number, { frozen: b.frozen !== false });
      if (typeof b.advanceMs === 'number') admin.advanceClock(b.advanceMs);
      return admin.clockState();
    }),
  );
  router.get('/stats', handle(() => admin.stats()));
  router.post('/stats/reset', handle(() => admin.resetStats()));
  router.post(
    '/faults/fail-next',
    handle((req) => {
      const b = body(req);
      admin.failNext(crmName(b.crm), b as unknown as FailRule);
      return { ok: true };
    }),
  );
  router.delete('/faults', handle((req) => admin.clearFaults(req.query.crm === undefined ? undefined : crmName(req.query.crm))));

  const hs = admin.hubspot;
  router.post('/hubspot/lists', handle((req) => {
    const b = body(req);
    return hs.createList(String(b.name), (b.processingType as 'MANUAL' | 'SNAPSHOT' | 'DYNAMIC' | undefined) ?? 'MANUAL');
  }));
  router.get('/hubspot/lists/:listId/members', handle((req, res) => {
    const members = hs.listMembers(String(req.params.listId));
    if (!members) return res.status(404).json({ error: 'not_found', message: `No list ${String(req.params.listId)}` });
    return { listId: String(req.params.listId), members };
  }));
  router.get('/hubspot/tasks', handle(() => ({ tasks: hs.tasks() })));
  router.post('/salesforce/campaigns', handle((req) => ({ id: admin.salesforce.createCampaign(String(body(req).name ?? 'Campaign')) })));
  router.get('/salesforce/campaigns/:id/members', handle((req) => ({ members: admin.salesforce.campaignMembers(String(req.params.id)) })));
  router.get('/salesforce/tasks', handle(() => ({ tasks: admin.salesforce.tasks() })));
  router.post('/hubspot/contacts/merge', handle((req) => {
    const b = body(req);
    return hs.mergeContacts(String(b.primaryObjectId), String(b.objectIdToMerge), hubSpotOptions(b));
  }));
  router.post('/hubspot/contacts/touch', handle((req) => {
    const b = body(req);
    return hs.touchContacts(
      {
        ids: Array.isArray(b.ids) ? b.ids.map(String) : undefined,
        fromIndex: typeof b.fromIndex === 'number' ? b.fromIndex : undefined,
        toIndex: typeof b.toIndex === 'number' ? b.toIndex : undefined,
      },
      (b.properties ?? {}) as Body,
      hubSpotOptions(b),
    );
  }));
  router.post('/hubspot/contacts', handle((req) => hs.createContact((body(req).properties ?? {}) as Body, hubSpotOptions(body(req)))));
  router.get('/hubspot/contacts/:id', handle((req) => hs.getContact(String(req.params.id))));
  router.patch('/hubspot/contacts/:id', handle((req) => hs.updateContact(String(req.params.id), (body(req).properties ?? {}) as Body, hubSpotOptions(body(req)))));
  router.delete('/hubspot/contacts/:id', handle((req) => hs.archiveContact(String(req.params.id), hubSpotOptions(body(req)))));
  router.post('/hubspot/contacts/:id/gdpr-delete', handle((req) => hs.gdprDeleteContact(String(req.params.id), hubSpotOptions(body(req)))));
  router.post('/hubspot/contacts/:id/restore', handle((req) => hs.restoreContact(String(req.params.id), hubSpotOptions(body(req)))));
  router.get('/hubspot/index/:index', handle((req) => ({ id: hs.idForIndex(Number(req.params.index)) })));
  router.get('/hubspot/writes', handle(() => hs.writeLog()));
  router.post('/hubspot/webhooks/send', handle((req) => {
    const b = body(req);
    return hs.sendWebhooks(Array.isArray(b.events) ? (b.events as never[]) : undefined, {
      targetUrl: typeof b.targetUrl === 'string' ? b.targetUrl : undefined,
      clientSecret: typeof b.clientSecret === 'string' ? b.clientSecret : undefined,
      timestamp: typeof b.timestamp === 'number' ? b.timestamp : undefined,
      badSignature: b.badSignature === true,
    });
  }));
  router.get('/hubspot/webhooks/deliveries', handle(() => hs.webhookDeliveries()));
  router.post('/hubspot/rate-limits/reset', handle(() => hs.resetRateLimits()));

  const sf = admin.salesforce;
  router.post('/salesforce/sessions/expire', handle(() => ({ expired: sf.expireSessions() })));
  router.get('/salesforce/api-usage', handle(() => sf.apiUsage()));
  router.post('/salesforce/api-usage', handle((req) => {
    sf.consumeApiRequests(Number(body(req).consume ?? 0));
    return sf.apiUsage();
  }));
  router.post('/salesforce/webhooks/send', handle((req) => {
    const b = body(req);
    return sf.sendChangeNotifications(Array.isArray(b.changes) ? (b.changes as never[]) : undefined, {
      targetUrl: typeof b.targetUrl === 'string' ? b.targetUrl : undefined,
      secret: typeof b.secret === 'string' ? b.secret : undefined,
    });
  }));
  router.get('/salesforce/webhooks/deliveries', handle(() => sf.webhookDeliveries()));
  router.get('/salesforce/index/:object/:index', handle((req) => ({ id: sf.idForIndex(writableObject(String(req.params.object)), Number(req.params.index)) })));
  router.patch('/salesforce/Account/:id', handle((req) => sf.updateAccount(String(req.params.id), (body(req).fields ?? {}) as Body, salesforceOptions(body(req)))));
  router.post('/salesforce/:object/merge', handle((req) => {
    const b = body(req);
    return sf.mergeRecords(writableObject(String(req.params.object)), String(b.masterRecordId), String(b.recordToMergeId), salesforceOptions(b));
  }));
  router.post('/salesforce/:object/:id/purge', handle((req) => sf.purgeRecord(writableObject(String(req.params.object)), String(req.params.id))));
  router.post('/salesforce/Lead/:id/convert', handle((req) => sf.convertLead(String(req.params.id), salesforceOptions(body(req)))));
  router.post('/salesforce/:object', handle((req) => sf.createRecord(writableObject(String(req.params.object)), (body(req).fields ?? {}) as Body, salesforceOptions(body(req)))));
  router.get('/salesforce/:object/:id', handle((req) => sf.getRecord(writableObject(String(req.params.object)), String(req.params.id))));
  router.patch('/salesforce/:object/:id', handle((req) => sf.updateRecord(writableObject(String(req.params.object)), String(req.params.id), (body(req).fields ?? {}) as Body, salesforceOptions(body(req)))));
  router.delete('/salesforce/:object/:id', handle((req) => sf.deleteRecord(writableObject(String(req.params.object)), String(req.params.id), salesforceOptions(body(req)))));
  router.post('/salesforce/:object/:id/undelete', handle((req) => sf.undeleteRecord(writableObject(String(req.params.object)), String(req.params.id), salesforceOptions(body(req)))));

  router.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No admin endpoint ${req.method} /_sandbox${req.path}` });
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const status =
      error instanceof AdminError || error instanceof HubSpotError || error instanceof SalesforceError ? error.status : 500;
    const code = error instanceof HubSpotError ? error.category : error instanceof SalesforceError ? error.errorCode : 'error';
    res.status(status).json({ error: code, message: (error as Error).message });
  });
  return router;
}

/**
 * Starts the HubSpot + Salesforce sandbox in this process. Port 0 picks a free port. The returned
 * admin exposes the /_sandbox operations as methods.
 */
export async function startCrmSandbox(options: SandboxOptionsInput = {}): Promise<CrmSandbox> {
  let url = '';
  const runtime = new SandboxRuntime(options, () => url);
  const admin = new SandboxAdmin(runtime);
  const app = express();
  app.disable('x-powered-by');
  // ETags would hash every page body; clients here never revalidate.
  app.set('etag', false);

  let hubspot = hubSpotRouter(runtime.hubspot);
  let salesforce = salesforceRouter(runtime.salesforce, () => url);
  runtime.onRebuild = () => {
    hubspot = hubSpotRouter(runtime.hubspot);
    salesforce = salesforceRouter(runtime.salesforce, () => url);
  };
  app.use('/_sandbox', adminRouter(admin, () => runtime.options.adminToken));
  app.use((req, res, next) => {
    if (req.path.startsWith('/crm/')) return hubspot(req, res, next);
    if (req.path.startsWith('/services/') || req.path.startsWith('/id/')) return salesforce(req, res, next);
    next();
  });
  app.get('/', (_req, res) => {
    res.json({ name: 'corridor-crm-sandbox', hubspot: `${url}/crm/v3`, salesforce: `${url}/services/data`, admin: `${url}/_sandbox` });
  });
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `No sandbox endpoint ${req.method} ${req.path}` });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(runtime.options.port, runtime.options.host, (error?: Error) => {
      if (error) reject(error);
      else resolve(listening);
    });
    listening.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = (server.address() as AddressInfo).port;
  const host = runtime.options.host.includes(':') ? `[${runtime.options.host}]` : runtime.options.host;
  url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  return {
    url,
    port,
    admin,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve, reject) => {
        runtime.salesforce.executor.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
