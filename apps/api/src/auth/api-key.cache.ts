import { Injectable } from '@nestjs/common';
import { apiKeyState } from '@corridor/domain';
import { ApiKeyRepository, VerifiedApiKey } from '@corridor/persistence';

/**
 * How long a verified key is trusted without asking Postgres again. A revocation through this
 * process's API (DELETE /v1/api-keys/:id) takes effect at once (forget); one made elsewhere (another
 * api process, the CLI, SQL) within this long. Expiry is checked against the clock on every use.
 */
export const API_KEY_CACHE_TTL_MS = 1_000;
/** Past this many cached keys the cache starts over (a bound, not an expected size). */
const MAX_ENTRIES = 10_000;

/** A presented secret and its SHA-256, hashed once per request (presentedKeyOf). */
export interface PresentedKey {
  readonly secret: string;
  readonly hash: string;
}

/**
 * The keys this process verified recently, so a busy producer's requests do not each cost a
 * round trip to Postgres (at 5,000 requests/s one lookup a second instead of 5,000). Keyed by the
 * presented secret's SHA-256, never the secret itself; only keys that matched are kept (an unknown
 * key is asked about every time, and cannot fill the cache).
 */
@Injectable()
export class ApiKeyCache {
  private readonly entries = new Map<string, { verified: VerifiedApiKey; until: number }>();
  /** Counts forget() calls: a lookup that a revocation overtook does not cache what it read before it. */
  private epoch = 0;

  constructor(private readonly keys: ApiKeyRepository) {}

  async verify({ secret, hash }: PresentedKey, now = new Date()): Promise<VerifiedApiKey | null> {
    const hit = this.entries.get(hash);
    if (hit && hit.until > now.getTime()) {
      const { apiKey } = hit.verified;
      return { apiKey, state: apiKeyState(apiKey, now) };
    }
    const epoch = this.epoch;
    const verified = await this.keys.verify(secret, now);
    if (hit) this.entries.delete(hash);
    if (verified && epoch === this.epoch) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(hash, { verified, until: now.getTime() + API_KEY_CACHE_TTL_MS });
    }
    return verified;
  }

  /**
   * The key as verified within the last API_KEY_CACHE_TTL_MS, without asking Postgres; undefined
   * when this process has no fresh answer (then verify() it). The lean events path takes only keys
   * found here, so it never adds a lookup of its own.
   */
  peek({ hash }: PresentedKey, now = new Date()): VerifiedApiKey | undefined {
    const hit = this.entries.get(hash);
    if (!hit || hit.until <= now.getTime()) return undefined;
    const { apiKey } = hit.verified;
    return { apiKey, state: apiKeyState(apiKey, now) };
  }

  /** A key revoked (or changed) here: its next use asks Postgres. */
  forget(keyId: string): void {
    this.epoch++;
    for (const [hash, entry] of this.entries) if (entry.verified.apiKey.id === keyId) this.entries.delete(hash);
  }
}
