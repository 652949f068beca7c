import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';

/**
 * AES-256-GCM for secrets at rest (CRM credentials, webhook secrets), with key rotation.
 * Output is `v2.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts): a random 96-bit IV per value
 * and the auth tag, so a tampered or wrong-key value fails to open instead of yielding garbage.
 * The key id (first 8 bytes of SHA-256 of the key, hex) says which key opens the value without
 * trying them all and without revealing the key.
 *
 * Rotation: SECRETS_KEY seals; it and every key in SECRETS_KEYS_OLD open. After `corridor secrets
 * reencrypt` has re-sealed everything with the current key, the old keys can be removed.
 * Values from before key ids (`v1.<iv>.<tag>.<ciphertext>`) are opened by trying each key.
 */
@Injectable()
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly ring = new Map<string, Buffer>();

  constructor(config: AppConfig) {
    const current = SecretBox.keyFrom(config.SECRETS_KEY ?? '');
    this.current = { id: SecretBox.keyId(current), key: current };
    this.ring.set(this.current.id, current);
    for (const text of config.secretsKeysOld) {
      const key = SecretBox.keyFrom(text);
      this.ring.set(SecretBox.keyId(key), key);
    }
  }

  static keyFrom(text: string): Buffer {
    const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes');
    return key;
  }

  /** Public fingerprint of a key: names it in sealed values (a hash, so it tells nothing about the key). */
  static keyId(key: Buffer): string {
    return createHash('sha256').update('corridor secret key id').update(key).digest('hex').slice(0, 16);
  }

  /** The id of the key that seals now. */
  get currentKeyId(): string {
    return this.current.id;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v2', this.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const key = this.ring.get(parts[1]);
      if (!key) throw new Error('Sealed secret uses a key that is not configured (SECRETS_KEY, SECRETS_KEYS_OLD)');
      return decrypt(key, parts[2], parts[3], parts[4]);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      for (const key of this.ring.values()) {
        try {
          return decrypt(key, parts[1], parts[2], parts[3]);
        } catch {
          // the GCM tag says "not this key": try the next
        }
      }
      throw new Error('Sealed secret opens with none of the configured keys');
    }
    throw new Error('Unreadable sealed secret');
  }

  /** Whether a sealed value should be re-sealed: not sealed with the current key in the current format. */
  isStale(sealed: string): boolean {
    const parts = sealed.split('.');
    return !(parts[0] === 'v2' && parts[1] === this.current.id);
  }

  /** The value re-sealed with the current key, or null when it already is (re-encryption is idempotent). */
  reseal(sealed: string): string | null {
    return this.isStale(sealed) ? this.seal(this.open(sealed)) : null;
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string): T {
    return JSON.parse(this.open(sealed)) as T;
  }
}

function decrypt(key: Buffer, iv: string, tag: string, body: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
