import { Injectable } from '@nestjs/common';
import { apiKeyState, hashApiKey } from '@corridor/domain';
import { ApiKeyRepository, VerifiedApiKey } from '@corridor/persistence';

/**
 * How long a verified key is trusted without asking Postgres again. A revocation through this
 * process's API (DELETE /v1/api-keys/:id) takes effect at once (forget); one made elsewhere (another
 * api process, the CLI, SQL) within this long. Expiry is checked against the clock on every use.
 */
export const API_KEY_CACHE_TTL_MS = 1_000;
/** Past this many cached keys the cache starts over (a bound, not an expected size). */
const MAX_ENTRIES = 10_000;

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
  /**
   * Lookups under way, by hash, with the epoch they started in. When an entry expires, every
   * request of a busy producer that arrives before Postgres answers would otherwise ask too (at
   * 500 single-event requests/s, a third to a half of them did in bench:treatments): they wait
   * for the one lookup. One that started before a forget() is not joined.
   */
  private readonly pending = new Map<string, { epoch: number; lookup: Promise<VerifiedApiKey | null> }>();

  constructor(private readonly keys: ApiKeyRepository) {}

  async verify(secret: string, now = new Date()): Promise<VerifiedApiKey | null> {
    const hash = hashApiKey(secret);
    const hit = this.entries.get(hash);
    if (hit && hit.until > now.getTime()) {
      const { apiKey } = hit.verified;
      return { apiKey, state: apiKeyState(apiKey, now) };
    }
    const joined = this.pending.get(hash);
    if (joined && joined.epoch === this.epoch) {
      const verified = await joined.lookup;
      return verified && { apiKey: verified.apiKey, state: apiKeyState(verified.apiKey, now) };
    }
    const epoch = this.epoch;
    const lookup = this.keys.verify(secret, now);
    this.pending.set(hash, { epoch, lookup });
    let verified: VerifiedApiKey | null;
    try {
      verified = await lookup;
    } finally {
      if (this.pending.get(hash)?.lookup === lookup) this.pending.delete(hash);
    }
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
  peek(secret: string, now = new Date()): VerifiedApiKey | undefined {
    const hit = this.entries.get(hashApiKey(secret));
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
