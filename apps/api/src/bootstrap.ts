import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppConfig, trustProxySetting } from '@corridor/config';
import { correlationIdMiddleware, tracingMiddleware } from '@corridor/observability';
import { AppModule } from './app.module';
import { ApiKeyCache } from './auth/api-key.cache';
import { ROUTE_ACCESS, RouteAccess } from './auth/roles.decorator';
import { ApiExceptionFilter } from './errors/api-exception.filter';
import { bodyParserErrors } from './errors/body-parser-errors';
import { answerClientError } from './errors/client-error';
import { requestValidationError } from './errors/validation-details';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { LeanEventsPath, RequestListener } from './events/lean-events.path';
import { ApiMetrics } from './metrics/api-metrics';
import { FailedAuthLimiter } from './rate-limit/failed-auth.limiter';
import { RateLimitStorage } from './rate-limit/rate-limit.storage';
import { ApiValidationPipe } from './validation/api-validation.pipe';

/** JSON bodies are small (definitions, not data); bulk data goes through the streamed import. */
export const JSON_BODY_LIMIT = '1mb';
/** Event batches (1,000 events of up to 16 KB of properties each) get a larger limit of their own. */
export const EVENTS_BODY_LIMIT = '20mb';
/** Outcome batches (1,000 outcomes with comments of up to 2,000 characters, escaped at worst 6 bytes each). */
export const OUTCOMES_BODY_LIMIT = '16mb';
/** Destinations' signed outcome callbacks: the signature is over the raw bytes. */
const OUTCOME_CALLBACKS_PATH = /^\/v1\/destinations\/[^/]+\/callbacks\/?$/;

/** A request whose JSON body parser kept the bytes it parsed. */
export type RawBodyRequest = IncomingMessage & { rawBody?: Buffer };

/** body-parser's `verify` hook: runs on the exact bytes it is about to parse. */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as RawBodyRequest).rawBody = buf;
}

/**
 * The API as main.ts and the e2e tests run it. Nest's own body parsers are off: ours are set up
 * in configureApiApp, with a limit and errors in the API's shape, and they leave the streamed
 * import's CSV/JSON Lines bodies unread.
 */
export async function createApiApp(): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bufferLogs: true, bodyParser: false });
  configureApiApp(app);
  return app;
}

/** Everything global about the HTTP edge; call before `listen`/`init` (middleware order matters). */
export function configureApiApp(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  // The client's address for per-IP limits: the socket's peer unless TRUST_PROXY names the proxies.
  const trustProxy = trustProxySetting(app.get(AppConfig).TRUST_PROXY);
  if (trustProxy !== undefined) app.getHttpAdapter().getInstance().set('trust proxy', trustProxy);
  // Requests Node itself refuses (431 for oversized URLs/headers, 400 for bad HTTP) get the one error shape too.
  app.getHttpServer().on('clientError', answerClientError);

  const eventsBody = json({ limit: EVENTS_BODY_LIMIT });
  const lean = app.get(AppConfig).EVENTS_LEAN_PATH === 1 ? leanEventsPath(app, eventsBody) : undefined;

  // Order: correlation id first (everything after logs with it), the trace's span, metrics, the body.
  app.use(correlationIdMiddleware);
  app.use(tracingMiddleware);
  app.use(app.get(ApiMetrics).middleware);
  // A body the lean events path read and then left to Express is on req.body already (the parsers
  // skip it); a parse error it met is raised here, where the parser would have raised it.
  if (lean) app.use(lean.handOff);
  // The raw bytes stay on the request (req.rawBody): webhook signatures are over them, not over
  // the parsed JSON re-serialised (key order, whitespace and escapes may differ).
  app.use(['/v1/events'], eventsBody);
  app.use(['/v1/outcomes'], json({ limit: OUTCOMES_BODY_LIMIT }));
  app.use(OUTCOME_CALLBACKS_PATH, json({ limit: OUTCOMES_BODY_LIMIT, verify: keepRawBody }));
  app.use(json({ limit: JSON_BODY_LIMIT, verify: keepRawBody }));
  app.use(bodyParserErrors);

  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(
    new ApiValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: requestValidationError,
    }),
  );
  setUpApiDocs(app);
}

/**
 * The lean path for single events (events/lean-events.path.ts), placed in front of Express as the
 * HTTP server's request listener: it answers the plain case itself and hands everything else to
 * Express.
 */
function leanEventsPath(app: INestApplication, eventsBody: RequestListenerWithNext): LeanEventsPath {
  const express = app.getHttpAdapter().getInstance();
  const config = app.get(AppConfig);
  const access = Reflect.getMetadata(ROUTE_ACCESS, EventsController.prototype.ingest) as RouteAccess | undefined;
  if (!access || access.public) throw new Error('EventsController.ingest must declare @Roles for the lean events path to check');
  const lean = new LeanEventsPath({
    events: app.get(EventsService),
    keys: app.get(ApiKeyCache),
    failures: app.get(FailedAuthLimiter),
    rateLimits: app.get(RateLimitStorage),
    integrationLimit: config.rateLimitOf('integration'),
    metrics: app.get(ApiMetrics),
    parseBody: eventsBody,
    etag: (body) => express.get('etag fn')?.(body),
    access,
    accessLog: () => PinoLogger.root,
  });
  const server = app.getHttpServer() as Server;
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const toFramework: RequestListener = (req, res) => {
    for (const listener of framework) listener(req, res);
  };
  server.on('request', lean.listener(toFramework));
  return lean;
}

type RequestListenerWithNext = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

function setUpApiDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildApiDocument(app), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
}

/**
 * The OpenAPI document of the API: served at /docs-json, and what the console's client is generated
 * from (scripts/console-client.ts builds it from an app created in preview mode, without a database).
 */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Corridor API')
    .setDescription(
      [
        'Persona segmentation and treatment engine beside your CRM.',
        '',
        'Authenticate with an API key: `Authorization: Bearer crd_…` or `X-API-Key: crd_…`. Roles: admin (everything),',
        'agent (read customers, personas, persona sets, strategies), integration (send customer data and events; read the attribute catalog).',
        '',
        'Every 4xx/5xx answer has the body `{code, message, details: [{field, message, code?}]}`.',
      ].join('\n'),
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'crd_… API key' }, 'api-key')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'The same API key as a bearer token' }, 'bearer')
    .build();
  return SwaggerModule.createDocument(app, config);
}
