import { createCipheriv, randomBytes } from 'node:crypto';
import { AppConfig } from '@corridor/config';
import { SecretBox } from './secret-box';

const box = (key: string, old: string[] = []) => new SecretBox(Object.assign(new AppConfig(), { SECRETS_KEY: key, SECRETS_KEYS_OLD: old.join(',') }));
const KEY = Buffer.alloc(32, 7).toString('base64');

describe('SecretBox', () => {
  it('round-trips and never repeats a ciphertext', () => {
    const b = box(KEY);
    const a = b.sealJson({ accessToken: 'pat-na1-secret' });
    expect(a).not.toContain('pat-na1');
    expect(b.sealJson({ accessToken: 'pat-na1-secret' })).not.toBe(a);
    expect(b.openJson(a)).toEqual({ accessToken: 'pat-na1-secret' });
  });
  it('refuses a tampered value or another key', () => {
    const sealed = box(KEY).seal('x');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('y').toString('base64url');
    expect(() => box(KEY).open(parts.join('.'))).toThrow();
    expect(() => box('0'.repeat(64)).open(sealed)).toThrow();
  });

  it('rotates: the new key seals, old keys still open, reseal moves values to the new key, then the old key can go', () => {
    const OLD = Buffer.alloc(32, 1).toString('base64');
    const NEW = Buffer.alloc(32, 2).toString('hex');
    const before = box(OLD).seal('whsec_old');
    const rotated = box(NEW, [OLD]);
    expect(rotated.open(before)).toBe('whsec_old');
    expect(rotated.isStale(before)).toBe(true);
    const fresh = rotated.seal('whsec_new');
    expect(fresh.split('.')[1]).toBe(rotated.currentKeyId);
    expect(rotated.isStale(fresh)).toBe(false);
    expect(() => box(OLD).open(fresh)).toThrow(/not configured/);

    const resealed = rotated.reseal(before)!;
    expect(resealed).not.toBe(before);
    expect(rotated.reseal(resealed)).toBeNull();
    // The old key removed: what was re-sealed still opens, what was not does not.
    expect(box(NEW).open(resealed)).toBe('whsec_old');
    expect(() => box(NEW).open(before)).toThrow(/not configured/);
  });

  it('opens values sealed before key ids (v1) with whichever configured key fits, and re-seals them', () => {
    const OLD = Buffer.alloc(32, 3).toString('base64');
    const v1 = legacySeal(Buffer.from(OLD, 'base64'), 'pat-legacy');
    const rotated = box(Buffer.alloc(32, 4).toString('base64'), [OLD]);
    expect(rotated.open(v1)).toBe('pat-legacy');
    expect(rotated.isStale(v1)).toBe(true);
    expect(rotated.open(rotated.reseal(v1)!)).toBe('pat-legacy');
    expect(() => box(Buffer.alloc(32, 4).toString('base64')).open(v1)).toThrow(/none of the configured keys/);
  });
});

/** The format SecretBox wrote before key rotation: `v1.<iv>.<tag>.<ciphertext>`. */
function legacySeal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}
