import { createHash } from 'node:crypto';
import { SalesforceCredentials } from '@corridor/domain';

/** An access token and the instance it is valid for. */
export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

/**
 * Salesforce sessions of this process, one per connection, so jobs do not log in each time
 * (a login per job was 92 logins in six minutes). Held in memory only: never persisted or logged.
 * The key includes a hash of the credentials, so a connection whose credentials change logs in
 * afresh. A session that expired is replaced when jsforce logs in again on INVALID_SESSION_ID.
 */
export class SalesforceSessionCache {
  private readonly sessions = new Map<string, SalesforceSession>();

  keyOf(connectionId: string, credentials: SalesforceCredentials, loginUrl: string, instanceUrl: string | undefined): string {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([credentials.clientId, credentials.clientSecret, credentials.username ?? '', credentials.password ?? '', loginUrl, instanceUrl ?? '']))
      .digest('base64url');
    return `${connectionId}:${fingerprint}`;
  }

  get(key: string): SalesforceSession | undefined {
    return this.sessions.get(key);
  }

  set(key: string, session: SalesforceSession): void {
    const connectionId = key.slice(0, key.indexOf(':'));
    // One entry per connection: old credentials' sessions go.
    for (const k of this.sessions.keys()) if (k.startsWith(`${connectionId}:`) && k !== key) this.sessions.delete(k);
    this.sessions.set(key, session);
  }

  delete(key: string): void {
    this.sessions.delete(key);
  }
}
