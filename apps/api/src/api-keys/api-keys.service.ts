import { Injectable } from '@nestjs/common';
import { ApiKey, Role } from '@corridor/domain';
import { ApiKeyRepository, IssuedApiKey } from '@corridor/persistence';
import { ApiKeyCache } from '../auth/api-key.cache';

/** Issuing, listing and revoking API keys (the secret is returned once, at creation). */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly cache: ApiKeyCache,
  ) {}

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  issue(name: string, role: Role, expiresAt: Date | null): Promise<IssuedApiKey> {
    return this.keys.issue(name, role, expiresAt);
  }

  async revoke(id: string): Promise<ApiKey> {
    const revoked = await this.keys.revoke(id);
    // This process refuses the key from its next request; other api processes within API_KEY_CACHE_TTL_MS.
    this.cache.forget(id);
    return revoked;
  }
}
