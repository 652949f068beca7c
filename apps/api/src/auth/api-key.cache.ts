import { Injectable } from '@nestjs/common';
import { apiKeyState } from '@corridor/domain';
import { ApiKeyRepository, VerifiedApiKey } from '@corridor/persistence';

/**
 * How long a verified key is trusted without asking Postgres again. A revocation through this
 * process's API (DELETE /v1/api-keys/:id) takes effect at once (forget); one made elsewhere (another
 * api process, the CLI, SQL) within this long. Expiry is checked against the clock on every use.
 */
export const API_KEY_CACHE_TTL_MS = 1_000;
/**
 * A cached key used (peek) within this long of its end is looked up again in the background, so a
 * key in steady use never lapses and the lean events path keeps answering it; a key used less than
 * about twice a second lapses as before. Hot keys cost two lookups a second instead of one.
 */
export const API_KEY_REFRESH_AHEAD_MS = 500;
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
  /** Counts forget() calls: a lookup (a background one too) that a revocation overtook does not cache what it read before it. */
  private epoch = 0;
  /**
   * Lookups under way, by hash, with the epoch they started in. When an entry expires, every
   * request of a busy producer that arrives before Postgres answers would otherwise ask too (at
   * 500 single-event requests/s, a third to a half of them did in bench:treatments): they wait
   * for the one lookup. One that started before a forget() is not joined. A background renewal
   * (peek) is one of these too, so a key is looked up at most once at a time.
   */
  private readonly pending = new Map<string, { epoch: number; lookup: Promise<VerifiedApiKey | null> }>();

  constructor(private readonly keys: ApiKeyRepository) {}

  async verify({ secret, hash }: PresentedKey, now = new Date()): Promise<VerifiedApiKey | null> {
    const hit = this.entries.get(hash);
    if (hit && hit.until > now.getTime()) {
      const { apiKey } = hit.verified;
      return { apiKey, state: apiKeyState(apiKey, now) };
    }
    return this.lookUp(hash, secret, now);
  }

  /**
   * The key as verified within the last API_KEY_CACHE_TTL_MS, without waiting on Postgres;
   * undefined when this process has no fresh answer (then verify() it). An entry near its end is
   * renewed in the background (API_KEY_REFRESH_AHEAD_MS) for the requests after this one.
   */
  peek({ secret, hash }: PresentedKey, now = new Date()): VerifiedApiKey | undefined {
    const hit = this.entries.get(hash);
    if (!hit || hit.until <= now.getTime()) return undefined;
    if (hit.until - now.getTime() <= API_KEY_REFRESH_AHEAD_MS && !this.pending.has(hash)) {
      // A failed lookup (Postgres away) leaves the entry to lapse: the next request then goes
      // through the guard, which answers as it would have.
      this.lookUp(hash, secret, new Date()).catch(() => undefined);
    }
    const { apiKey } = hit.verified;
    return { apiKey, state: apiKeyState(apiKey, now) };
  }

  /**
   * Asks Postgres (or joins the lookup of this key already under way) and caches a live answer
   * until API_KEY_CACHE_TTL_MS after `now`, taken before the query, so an entry never outlives the
   * read it came from by more than that.
   */
  private async lookUp(hash: string, secret: string, now: Date): Promise<VerifiedApiKey | null> {
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
    if (!verified) {
      this.entries.delete(hash);
    } else if (epoch === this.epoch) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(hash, { verified, until: now.getTime() + API_KEY_CACHE_TTL_MS });
    }
    return verified;
  }

  /** A key revoked (or changed) here: its next use asks Postgres. */
  forget(keyId: string): void {
    this.epoch++;
    for (const [hash, entry] of this.entries) if (entry.verified.apiKey.id === keyId) this.entries.delete(hash);
  }
}
