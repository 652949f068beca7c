import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import { AuditNotRecordedError, auditedRoute, redactSecrets } from '@corridor/domain';
import { currentCorrelationId } from '@corridor/observability';
import { AuditStore, isDatabaseUnavailable } from '@corridor/persistence';
import { AuthenticatedRequest } from '../auth/current-key.decorator';
import { AuditBeforeLoader } from './audit-before.loader';
import { AUDITED, AuditedOptions } from './audited.decorator';

/** Request bodies that carry customer data: the log must not become a copy an erasure cannot reach. */
const CUSTOMER_DATA_ROUTES = new Set(['/v1/customers/import', '/v1/events', '/v1/events/segment/:sourceKey', '/v1/outcomes']);

/** A larger request body is logged as its size only. */
export const AUDIT_REQUEST_MAX_BYTES = 16 * 1024;

/**
 * Records every change an admin key makes (README "Audit log"): POST/PUT/PATCH/DELETE routes by
 * an admin key, plus the reads marked @Audited (customer exports). Before the handler it reads the
 * target's current state (AuditBeforeLoader); after a success it writes one row with the request,
 * that state and the response, all redacted, before the response leaves: a change the caller saw
 * succeed has its row. A change that fails (4xx/5xx) is not logged: nothing changed. Other roles'
 * writes (ingest by integration keys) are not admin changes and pass straight through.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: AuditStore,
    private readonly beforeLoader: AuditBeforeLoader,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = req.apiKey;
    if (!key || key.role !== 'admin') return next.handle();
    const handler = context.getHandler();
    const options = this.reflector.get<AuditedOptions | undefined>(AUDITED, handler);
    const route: string = (req.route as { path?: string } | undefined)?.path ?? req.path;
    const params = (req.params ?? {}) as Record<string, string>;
    const audited = options
      ? { action: options.action, targetType: options.targetType, targetId: options.targetParam ? (params[options.targetParam] ?? null) : null }
      : auditedRoute(req.method, route, params);
    if (!audited) return next.handle();

    const keepRequest = (options?.keepRequest ?? true) && !CUSTOMER_DATA_ROUTES.has(route);
    const statusCode = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, handler) ?? (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    return from(this.beforeLoader.load(audited.action, audited.targetType, audited.targetId)).pipe(
      mergeMap((before) =>
        next.handle().pipe(
          mergeMap(async (response) => {
            let { targetId } = audited;
            let path = req.path;
            if (options?.targetFromResponse && options.targetParam) {
              targetId = options.targetFromResponse(response);
              path = route.replace(`:${options.targetParam}`, targetId);
            }
            await recordOrSayWhatWasDone(this.store, {
              actor: { keyId: key.id, name: key.name, role: key.role },
              action: audited.action,
              method: req.method,
              route,
              path,
              target: { type: audited.targetType, id: targetId },
              statusCode,
              request: keepRequest ? requestToKeep(req.body) : null,
              before: before === undefined ? null : redactSecrets(before),
              after: redactSecrets(options?.after ? options.after(response) : response) ?? null,
              correlationId: currentCorrelationId() ?? null,
            }, response);
            return response;
          }),
        ),
      ),
    );
  }
}

/**
 * A change is committed before its row is written; a database gone in between must not turn it into
 * a plain 503 (the caller would think nothing happened): the answer says what was done. An audited
 * read (a customer's export) changed nothing, and handing out its data unlogged would defeat the
 * log: it is refused, as any request whose database went away.
 */
async function recordOrSayWhatWasDone(store: AuditStore, entry: Parameters<AuditStore['record']>[0], response: unknown): Promise<void> {
  try {
    await store.record(entry);
  } catch (e) {
    if (isDatabaseUnavailable(e) && entry.method !== 'GET') throw new AuditNotRecordedError(response, { cause: e });
    throw e;
  }
}

function requestToKeep(body: unknown): unknown {
  if (body === undefined || body === null || typeof body !== 'object') return null;
  if (Object.keys(body).length === 0) return null;
  const redacted = redactSecrets(body);
  const bytes = Buffer.byteLength(JSON.stringify(redacted));
  return bytes > AUDIT_REQUEST_MAX_BYTES ? { omitted: 'too large', bytes } : redacted;
}
