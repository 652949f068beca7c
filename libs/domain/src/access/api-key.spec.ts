import { API_KEY_PATTERN, apiKeyMatches, apiKeyPrefix, apiKeyState, generateApiKey, hashApiKey, parseKeyLifetime } from './api-key';
import { roleSatisfies } from './role-access';

describe('API keys', () => {
  it('generates crd_<prefix>_<secret> keys with 256 bits of secret', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    expect(key.startsWith(`crd_${prefix}_`)).toBe(true);
    expect(key.split('_').slice(2).join('_')).toHaveLength(43); // 32 bytes as base64url
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey().key).not.toBe(key);
  });

  it('parses the prefix only from well-formed keys, even when the secret holds underscores', () => {
    const fixed = generateApiKey((n) => Buffer.alloc(n, 0xff)); // base64url of 0xff… is "____"
    expect(fixed.key).toMatch(/^crd_ffffffffffff_[_]{42}8$/);
    expect(apiKeyPrefix(fixed.key)).toBe('ffffffffffff');
    expect(apiKeyPrefix('crd_short_x')).toBeNull();
    expect(apiKeyPrefix(`${fixed.key}x`)).toBeNull();
    expect(apiKeyPrefix('')).toBeNull();
  });

  it('matches a key against its stored hash only', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyMatches(key, hash)).toBe(true);
    // Change the last character to a different one (replacing it with a fixed letter fails when it already is that letter).
    const other = key.endsWith('A') ? 'B' : 'A';
    expect(apiKeyMatches(`${key.slice(0, -1)}${other}`, hash)).toBe(false);
    expect(apiKeyMatches(key, 'abc')).toBe(false);
  });
});

describe('roleSatisfies', () => {
  it('admits the listed roles and admin, unless the requirement is exact', () => {
    expect(roleSatisfies('agent', { roles: ['agent'] })).toBe(true);
    expect(roleSatisfies('integration', { roles: ['agent'] })).toBe(false);
    expect(roleSatisfies('admin', { roles: ['integration'] })).toBe(true);
    expect(roleSatisfies('admin', { roles: ['integration'], exact: true })).toBe(false);
    expect(roleSatisfies('agent', { roles: ['admin'] })).toBe(false);
  });
});

describe('apiKeyState and parseKeyLifetime', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  it('says revoked before expired, and expired from the expiry instant on', () => {
    expect(apiKeyState({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(apiKeyState({ revokedAt: null, expiresAt: new Date(now.getTime() + 1) }, now)).toBe('active');
    expect(apiKeyState({ revokedAt: null, expiresAt: now }, now)).toBe('expired');
    expect(apiKeyState({ revokedAt: now, expiresAt: new Date(0) }, now)).toBe('revoked');
  });

  it('reads 90d, 12h, 2w, 30m and refuses anything else', () => {
    expect(parseKeyLifetime('90d')).toBe(90 * 86_400_000);
    expect(parseKeyLifetime('12h')).toBe(12 * 3_600_000);
    expect(parseKeyLifetime('2W')).toBe(14 * 86_400_000);
    expect(parseKeyLifetime('30m')).toBe(1_800_000);
    for (const bad of ['', '0d', '-1d', '1.5d', '90', 'd', '90 days', '99999w']) expect(parseKeyLifetime(bad)).toBeNull();
  });
});
