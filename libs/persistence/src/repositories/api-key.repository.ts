import { Injectable } from '@nestjs/common';
import { ApiKey, apiKeyMatches, apiKeyPrefix, ApiKeyState, apiKeyState, generateApiKey, NotFoundError, Role, ROLES, ValidationError } from '@corridor/domain';
import { DataSource } from 'typeorm';

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  secret_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, role, prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** last_used_at is advisory: writing it at most once a minute per key keeps reads from turning into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A key just made: `secret` is the whole key, shown to its owner once and kept nowhere. */
export interface IssuedApiKey {
  apiKey: ApiKey;
  secret: string;
}

/** A presented key that matched a stored one, live or not (the caller says why it is refused). */
export interface VerifiedApiKey {
  apiKey: ApiKey;
  state: ApiKeyState;
}

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  /** `expiresAt` (optional) must lie in the future: a key born expired is a mistake, not a choice. */
  async issue(name: string, role: Role, expiresAt: Date | null = null, now = new Date()): Promise<IssuedApiKey> {
    if (!ROLES.includes(role)) {
      throw new ValidationError(`Unknown role ${JSON.stringify(role)}`, [{ field: 'role', message: `role must be one of ${ROLES.join(', ')}` }]);
    }
    if (expiresAt && !(expiresAt.getTime() > now.getTime())) {
      throw new ValidationError('expiresAt must be in the future', [{ field: 'expiresAt', message: 'must be a time in the future', code: 'API_KEY_EXPIRY_PAST' }]);
    }
    const generated = generateApiKey();
    const [row]: ApiKeyRow[] = await this.db.query(
      `INSERT INTO api_keys (name, role, prefix, secret_hash, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [name, role, generated.prefix, generated.hash, expiresAt],
    );
    return { apiKey: toApiKey(row), secret: generated.key };
  }

  /**
   * The stored key this secret belongs to with its state (active, revoked, expired), or null
   * (malformed, unknown or wrong secret). Use is recorded only for an active key.
   */
  async verify(secret: string, now = new Date()): Promise<VerifiedApiKey | null> {
    const prefix = apiKeyPrefix(secret);
    if (!prefix) return null;
    const [row]: ApiKeyRow[] = await this.db.query(`SELECT ${COLUMNS} FROM api_keys WHERE prefix = $1`, [prefix]);
    if (!row || !apiKeyMatches(secret, row.secret_hash)) return null;
    const state = apiKeyState({ revokedAt: row.revoked_at, expiresAt: row.expires_at }, now);
    if (state === 'active' && (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS)) {
      await this.db.query(`UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [row.id, now]);
      row.last_used_at = now;
    }
    return { apiKey: toApiKey(row), state };
  }

  /** The live key this secret belongs to, or null (malformed, unknown, wrong secret, revoked or expired). */
  async authenticate(secret: string, now = new Date()): Promise<ApiKey | null> {
    const verified = await this.verify(secret, now);
    return verified?.state === 'active' ? verified.apiKey : null;
  }

  /** Every key, revoked ones included (they explain old audit entries), newest first. */
  async list(): Promise<ApiKey[]> {
    const rows: ApiKeyRow[] = await this.db.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
    return rows.map(toApiKey);
  }

  async findById(id: string): Promise<ApiKey | null> {
    if (!UUID.test(id)) return null;
    const [row]: ApiKeyRow[] = await this.db.query(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row ? toApiKey(row) : null;
  }

  /** Revokes at once (the next request with the key gets 401); revoking twice keeps the first time. */
  async revoke(id: string): Promise<ApiKey> {
    if (!UUID.test(id)) throw new NotFoundError('API key', id, 'API_KEY_NOT_FOUND');
    // TypeORM answers an UPDATE with [rows, affected count].
    const [[row]]: [ApiKeyRow[], number] = await this.db.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    if (!row) throw new NotFoundError('API key', id, 'API_KEY_NOT_FOUND');
    return toApiKey(row);
  }
}

function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}
