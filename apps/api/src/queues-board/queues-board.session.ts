import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '@corridor/config';
import { ApiKeyRepository } from '@corridor/persistence';

export const QUEUES_BOARD_PATH = '/admin/queues';
export const QUEUES_COOKIE = 'corridor_queues';
/** A board session lasts this long; the console asks for a new one each time it opens the board. */
export const QUEUES_SESSION_SECONDS = 15 * 60;

/**
 * Bull Board's pages are plain browser navigations (HTML, then its own XHRs): they cannot carry
 * the API key header. An admin's authenticated POST therefore gets a short-lived cookie, signed
 * with a key derived from SECRETS_KEY, scoped to the board's path, HttpOnly and SameSite=Strict.
 * The cookie names the API key it was issued to: revoking that key ends the session at once.
 */
@Injectable()
export class QueuesBoardSessions {
  private readonly signingKey: Buffer;

  constructor(
    config: AppConfig,
    private readonly keys: ApiKeyRepository,
  ) {
    this.signingKey = createHmac('sha256', config.SECRETS_KEY ?? '').update('corridor queues board session').digest();
  }

  /** `<keyId>.<expires (unix s)>.<hmac>` */
  issue(keyId: string, now = Date.now()): { value: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + QUEUES_SESSION_SECONDS;
    const payload = `${keyId}.${expires}`;
    return { value: `${payload}.${this.sign(payload)}`, expiresAt: new Date(expires * 1000) };
  }

  /** The key id of a valid, unexpired session whose key is still an admin key; else null. */
  async verify(value: string | undefined, now = Date.now()): Promise<string | null> {
    const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
    if (!m) return null;
    const expected = Buffer.from(this.sign(`${m[1]}.${m[2]}`));
    const given = Buffer.from(m[3]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    if (Number(m[2]) * 1000 <= now) return null;
    const key = await this.keys.findById(m[1]);
    return key && !key.revokedAt && key.role === 'admin' ? key.id : null;
  }

  /** Express middleware in front of Bull Board: 401 (plain text, it is a page) without a session. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      this.verify(readCookie(req.headers.cookie, QUEUES_COOKIE))
        .then((keyId) => {
          if (keyId) return next();
          res
            .status(401)
            .type('text/plain')
            .send('The queue board needs an admin session: open it from the console (Operations → Open queues), which signs you in for 15 minutes.');
        })
        .catch(next);
    };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.signingKey).update(payload).digest('base64url');
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
