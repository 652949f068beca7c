import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { DomainError, hashApiKey, roleSatisfies } from '@corridor/domain';
import { ApiKeyCache, PresentedKey } from './api-key.cache';
import { AuthenticatedRequest } from './current-key.decorator';
import { FailedAuthLimiter } from '../rate-limit/failed-auth.limiter';
import { ROUTE_ACCESS, RouteAccess } from './roles.decorator';

/** The key from `Authorization: Bearer <key>`, else from `X-API-Key`. */
export function presentedApiKey(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const header = headers['x-api-key'];
  const key = (Array.isArray(header) ? header[0] : header)?.trim();
  return key || undefined;
}

const PRESENTED_KEY = Symbol('corridor.presented-api-key');
type CarriesKey = IncomingMessage & { [PRESENTED_KEY]?: PresentedKey | null };

/**
 * The request's key with its hash, computed once and kept on the request: a request the lean events
 * path peeked at and handed to Express reaches this guard with the hash already taken.
 */
export function presentedKeyOf(req: IncomingMessage): PresentedKey | null {
  const carried = (req as CarriesKey)[PRESENTED_KEY];
  if (carried !== undefined) return carried;
  const secret = presentedApiKey(req.headers);
  const key = secret ? { secret, hash: hashApiKey(secret) } : null;
  (req as CarriesKey)[PRESENTED_KEY] = key;
  return key;
}

/**
 * Global guard: authenticates the API key and checks the route's role requirement. A route with
 * no declaration is refused (500, logged) — boot already fails on one (RouteAccessCheck), so this
 * is the second lock on the same door.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyCache,
    private readonly failures: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    if (!access) {
      const where = `${context.getClass().name}.${context.getHandler().name}`;
      this.logger.error({ handler: where }, 'endpoint declares neither @Roles nor @Public: refused');
      throw new DomainError('ROUTE_ACCESS_UNDECLARED', 'This endpoint declares no access rule', 'internal');
    }
    if (access.public) return true;

    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const ip = req.ip ?? 'unknown';
    const blocked = this.failures.enabled ? this.failures.blockedFor(ip) : 0;
    if (blocked) this.tooManyFailures(context, blocked);
    try {
      return await this.authenticate(req, access);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'UNAUTHENTICATED' && this.failures.enabled) {
        const wait = await this.failures.failed(ip);
        if (wait) this.tooManyFailures(context, wait);
      }
      throw e;
    }
  }

  /** 429 with Retry-After: this address sent too many missing or bad keys. */
  private tooManyFailures(context: ExecutionContext, seconds: number): never {
    context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('Retry-After', String(seconds));
    throw new HttpException(
      {
        code: 'AUTH_RATE_LIMITED',
        message: `Too many requests without a valid API key from this address; retry in ${seconds} s`,
        details: [{ field: 'authorization', message: 'too many missing or invalid API keys from this address', code: 'AUTH_RATE_LIMITED' }],
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private async authenticate(req: AuthenticatedRequest, access: Exclude<RouteAccess, { public: true }>): Promise<boolean> {
    const presented = presentedKeyOf(req);
    if (!presented) {
      throw new DomainError('UNAUTHENTICATED', 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"', 'unauthenticated', [
        { field: 'authorization', message: 'no API key was sent', code: 'API_KEY_MISSING' },
      ]);
    }
    const verified = await this.keys.verify(presented);
    if (!verified) {
      throw new DomainError('UNAUTHENTICATED', 'The API key is not valid (unknown or malformed)', 'unauthenticated', [
        { field: 'authorization', message: 'the API key is not valid', code: 'API_KEY_INVALID' },
      ]);
    }
    // Saying why is safe: only the holder of the whole key gets this far.
    if (verified.state === 'revoked') {
      throw new DomainError('UNAUTHENTICATED', 'The API key has been revoked', 'unauthenticated', [
        { field: 'authorization', message: 'the API key was revoked', code: 'API_KEY_REVOKED' },
      ]);
    }
    if (verified.state === 'expired') {
      throw new DomainError('UNAUTHENTICATED', `The API key expired at ${verified.apiKey.expiresAt?.toISOString()}`, 'unauthenticated', [
        { field: 'authorization', message: 'the API key has expired', code: 'API_KEY_EXPIRED' },
      ]);
    }
    const key = verified.apiKey;
    req.apiKey = { id: key.id, name: key.name, role: key.role };
    if (!roleSatisfies(key.role, access)) {
      const required = access.exact ? access.roles : [...new Set([...access.roles, 'admin'])];
      throw new DomainError('FORBIDDEN', `This endpoint requires role ${required.join(' or ')}; the key has role ${key.role}`, 'forbidden', [
        { field: 'role', message: `requires role ${required.join(' or ')}`, code: 'ROLE_REQUIRED' },
      ]);
    }
    return true;
  }
}
