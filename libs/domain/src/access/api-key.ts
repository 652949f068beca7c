import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Role } from './role';

/** An API key as the rest of the system sees it; the secret itself is never stored or returned. */
export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** The public part of the key (`crd_<prefix>_…`): safe to show, used to find the row. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  /** Past this time the key no longer authenticates; null: never. */
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Whether a key may be used now. Revocation wins over expiry (it was a deliberate act). */
export type ApiKeyState = 'active' | 'revoked' | 'expired';

export function apiKeyState(key: Pick<ApiKey, 'expiresAt' | 'revokedAt'>, now: Date): ApiKeyState {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

const DURATION_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * A key lifetime such as `90d`, `12h`, `2w` or `30m` in milliseconds, or null when the text is not
 * one (the CLI's `--expires-in`). At most 10 years: a longer expiry is no expiry, say so instead.
 */
export function parseKeyLifetime(text: string): number | null {
  const m = /^\s*([1-9][0-9]{0,5})\s*([mhdw])\s*$/i.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()];
  return ms <= 3650 * 86_400_000 ? ms : null;
}

/** A freshly made key: `key` is shown to its owner once; only `prefix` and `hash` are kept. */
export interface GeneratedApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/**
 * `crd_<12 hex>_<43 base64url>`: 6 random bytes of look-up prefix and 32 random bytes (256 bits)
 * of secret. The fixed-length hex prefix keeps parsing unambiguous although base64url may contain
 * `_`; the `crd_` tag lets secret scanners recognise a leaked key.
 */
export const API_KEY_PATTERN = /^crd_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedApiKey {
  const prefix = random(6).toString('hex');
  const key = `crd_${prefix}_${random(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a well-formed key, or null: a malformed key is rejected before any look-up. */
export function apiKeyPrefix(key: string): string | null {
  return API_KEY_PATTERN.exec(key)?.[1] ?? null;
}

/**
 * SHA-256, hex. A fast hash is the right tool here, unlike for passwords: bcrypt/scrypt/argon2
 * exist to slow down guessing of low-entropy secrets, but a 256-bit random secret cannot be
 * guessed at any hash rate, so slowness would buy nothing while costing CPU on every request
 * (and handing attackers a cheap way to burn it). Same reasoning as GitHub's and Stripe's tokens.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison, so response timing says nothing about how much of a hash matched. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const actual = Buffer.from(hashApiKey(key), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
