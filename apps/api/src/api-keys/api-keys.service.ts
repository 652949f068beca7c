import { Injectable } from '@nestjs/common';
import { ApiKey, Role } from '@corridor/domain';
import { ApiKeyRepository, IssuedApiKey } from '@corridor/persistence';

/** Issuing, listing and revoking API keys (the secret is returned once, at creation). */
@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeyRepository) {}

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  issue(name: string, role: Role, expiresAt: Date | null): Promise<IssuedApiKey> {
    return this.keys.issue(name, role, expiresAt);
  }

  revoke(id: string): Promise<ApiKey> {
    return this.keys.revoke(id);
  }
}
