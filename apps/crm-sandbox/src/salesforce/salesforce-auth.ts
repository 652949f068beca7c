import { createHmac, randomBytes } from 'node:crypto';
import type { SandboxClock } from '../core/clock';

export interface Session {
  token: string;
  userId: string;
  issuedAt: number;
  lastUsedAt: number;
}

export interface TokenResponse {
  access_token: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
  signature: string;
  scope: string;
}

export interface OAuthFailure {
  status: number;
  error: string;
  error_description: string;
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  securityToken: string;
}

/**
 * Access tokens with idle expiry measured on the sandbox clock, so tests can expire a session by
 * advancing time (or through the admin switch) and watch the client log in again.
 */
export class SalesforceSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly orgId: string,
    private readonly idleTimeoutMs: () => number,
  ) {}

  issue(userId: string): Session {
    const now = this.clock.now();
    const token = `${this.orgId.slice(0, 15)}!AQ${randomBytes(60).toString('base64url')}`;
    const session = { token, userId, issuedAt: now, lastUsedAt: now };
    this.sessions.set(token, session);
    return session;
  }

  /** The session for a bearer token, refreshing its idle timer; undefined when expired or unknown. */
  use(token: string): Session | undefined {
    const session = this.sessions.get(token);
    if (!session) return undefined;
    const now = this.clock.now();
    if (now - session.lastUsedAt >= this.idleTimeoutMs()) {
      this.sessions.delete(token);
      return undefined;
    }
    session.lastUsedAt = Math.max(session.lastUsedAt, now);
    return session;
  }

  revoke(token: string): void {
    this.sessions.delete(token);
  }

  expireAll(): number {
    const count = this.sessions.size;
    this.sessions.clear();
    return count;
  }

  count(): number {
    return this.sessions.size;
  }
}

/** OAuth 2.0 token endpoint: username-password and client-credentials flows. */
export function handleTokenRequest(
  params: Record<string, string | undefined>,
  credentials: Credentials,
  sessions: SalesforceSessions,
  context: { loginUrl: string; instanceUrl: string; orgId: string; integrationUserId: string },
): TokenResponse | OAuthFailure {
  const grant = params.grant_type;
  if (grant !== 'password' && grant !== 'client_credentials') {
    return { status: 400, error: 'unsupported_grant_type', error_description: 'grant type not supported' };
  }
  if (params.client_id !== credentials.clientId) {
    return { status: 400, error: 'invalid_client_id', error_description: 'client identifier invalid' };
  }
  if (params.client_secret !== credentials.clientSecret) {
    return { status: 400, error: 'invalid_client', error_description: 'invalid client credentials' };
  }
  if (grant === 'password') {
    const passwordOk =
      params.password === credentials.password || params.password === `${credentials.password}${credentials.securityToken}`;
    if (params.username !== credentials.username || !passwordOk) {
      return { status: 400, error: 'invalid_grant', error_description: 'authentication failure' };
    }
  }
  const session = sessions.issue(context.integrationUserId);
  const id = `${context.loginUrl}/id/${context.orgId}/${context.integrationUserId}`;
  const issuedAt = String(session.issuedAt);
  return {
    access_token: session.token,
    instance_url: context.instanceUrl,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
    signature: createHmac('sha256', credentials.clientSecret).update(id + issuedAt).digest('base64'),
    scope: 'api',
  };
}
