import type { IncomingMessage } from 'node:http';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKey, hashApiKey } from '@corridor/domain';
import { ApiKeyRepository } from '@corridor/persistence';
import { ApiKeyCache } from './api-key.cache';
import { FailedAuthLimiter } from '../rate-limit/failed-auth.limiter';
import { ApiKeyGuard, presentedApiKey, presentedKeyOf } from './api-key.guard';
import { OnlyRoles, Public, Roles } from './roles.decorator';

class Endpoints {
  @Roles('agent')
  read() {}

  @OnlyRoles('integration')
  ingest() {}

  @Public()
  health() {}

  undeclared() {}
}

const agent: ApiKey = { id: 'k1', name: 'desk', role: 'agent', prefix: 'p', createdAt: new Date(), lastUsedAt: null, expiresAt: null, revokedAt: null };

function contextFor(handler: keyof Endpoints, headers: Record<string, string> = {}) {
  const req: { headers: Record<string, string>; apiKey?: unknown } = { headers };
  const context = {
    getType: () => 'http',
    getHandler: () => Endpoints.prototype[handler],
    getClass: () => Endpoints,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { context, req };
}

function guardWith(key: ApiKey | null) {
  const keys = {
    verify: jest.fn(async () => (key ? { apiKey: key, state: key.revokedAt ? 'revoked' : key.expiresAt && key.expiresAt <= new Date() ? 'expired' : 'active' } : null)),
  } as unknown as ApiKeyRepository;
  // The failed-authentication limiter is off here (it needs Redis: apps/api/test/auth-failures.e2e-spec.ts).
  return new ApiKeyGuard(new Reflector(), new ApiKeyCache(keys), { enabled: false } as unknown as FailedAuthLimiter);
}

describe('presentedApiKey', () => {
  it('reads a bearer token first, then X-API-Key', () => {
    expect(presentedApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedApiKey({ authorization: 'bearer  abc ' })).toBe('abc');
    expect(presentedApiKey({ authorization: 'Basic dXNlcg==', 'x-api-key': ' xyz ' })).toBe('xyz');
    expect(presentedApiKey({})).toBeUndefined();
  });
});

describe('presentedKeyOf', () => {
  it('hashes the key once per request: a request the lean events path peeked at brings its hash to the guard', () => {
    const req = { headers: { authorization: 'Bearer abc' } } as unknown as IncomingMessage;
    const first = presentedKeyOf(req);
    expect(first).toEqual({ secret: 'abc', hash: hashApiKey('abc') });
    expect(presentedKeyOf(req)).toBe(first);
    expect(presentedKeyOf({ headers: {} } as unknown as IncomingMessage)).toBeNull();
  });
});

describe('ApiKeyGuard', () => {
  it('lets public routes through without a key', async () => {
    await expect(guardWith(null).canActivate(contextFor('health').context)).resolves.toBe(true);
  });

  it('refuses a route with no declaration as an internal error', async () => {
    await expect(guardWith(agent).canActivate(contextFor('undeclared', { 'x-api-key': 'k' }).context)).rejects.toMatchObject({
      code: 'ROUTE_ACCESS_UNDECLARED',
      kind: 'internal',
    });
  });

  it('authenticates, attaches {id, name, role} and checks the role', async () => {
    const { context, req } = contextFor('read', { authorization: 'Bearer k' });
    await expect(guardWith(agent).canActivate(context)).resolves.toBe(true);
    expect(req.apiKey).toEqual({ id: 'k1', name: 'desk', role: 'agent' });
    await expect(guardWith(agent).canActivate(contextFor('ingest', { authorization: 'Bearer k' }).context)).rejects.toMatchObject({
      kind: 'forbidden',
      message: 'This endpoint requires role integration; the key has role agent',
    });
    await expect(guardWith({ ...agent, role: 'admin' }).canActivate(contextFor('ingest', { authorization: 'Bearer k' }).context)).rejects.toMatchObject({
      kind: 'forbidden',
    });
  });

  it('answers unauthenticated without a key or with one that does not authenticate', async () => {
    await expect(guardWith(agent).canActivate(contextFor('read').context)).rejects.toMatchObject({ kind: 'unauthenticated', details: [{ code: 'API_KEY_MISSING' }] });
    await expect(guardWith(null).canActivate(contextFor('read', { 'x-api-key': 'bad' }).context)).rejects.toMatchObject({
      kind: 'unauthenticated',
      details: [{ code: 'API_KEY_INVALID' }],
    });
  });

  it('says a revoked key is revoked and an expired one expired', async () => {
    await expect(guardWith({ ...agent, revokedAt: new Date() }).canActivate(contextFor('read', { 'x-api-key': 'k' }).context)).rejects.toMatchObject({
      kind: 'unauthenticated',
      details: [{ code: 'API_KEY_REVOKED' }],
    });
    await expect(guardWith({ ...agent, expiresAt: new Date(0) }).canActivate(contextFor('read', { 'x-api-key': 'k' }).context)).rejects.toMatchObject({
      kind: 'unauthenticated',
      message: 'The API key expired at 1970-01-01T00:00:00.000Z',
      details: [{ code: 'API_KEY_EXPIRED' }],
    });
  });
});
