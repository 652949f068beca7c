import { API_KEY_PATTERN } from '../access/api-key';

/**
 * What the audit log may keep of a request or a resource: the same document with every secret
 * replaced by REDACTED. A value is a secret by its field's name (credentials, passwords, tokens,
 * webhook and destination secrets, API keys) or by its form (a value sealed by the secret box,
 * `v<n>.<iv>.<tag>.<body>` in base64url, or an API key `crd_…`, whatever the field is called): a log readable by every
 * admin must not become a second copy of what the connections and destinations encrypt.
 */
export const REDACTED = '[redacted]';

/** Field names (compared lower-cased, `_`/`-` removed) whose values are secrets whatever they hold. */
const SECRET_NAMES = new Set([
  'secret',
  'secrets',
  'password',
  'passwd',
  'token',
  'accesstoken',
  'refreshtoken',
  'apikey',
  'authorization',
  'credentials',
  'clientsecret',
  'privatekey',
  'webhooksecret',
  'webhookclientsecret',
  'signingsecret',
  'sealed',
  'secretencrypted',
  'credentialsencrypted',
  'securitytoken',
]);

/** Names that merely end in one of these are secrets too (`hubspotAccessToken`, `oldSecret`). */
const SECRET_SUFFIXES = ['secret', 'password', 'token', 'apikey', 'credentials', 'encrypted', 'privatekey'];

/** A secret box output: version, then three base64url parts (iv, tag, body); a key id may precede them. */
const SEALED = /^v\d+(?:[.:][A-Za-z0-9_-]+){3,4}$/;

export function isSecretFieldName(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_NAMES.has(n) || SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

export function looksSealed(value: string): boolean {
  return value.length >= 24 && SEALED.test(value);
}

/** Deep copy of `value` with secrets replaced; depth-capped (the log keeps documents, not graphs). */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === 'string') return looksSealed(value) || API_KEY_PATTERN.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // A flag (`hasSecret: true`) says whether there is one, not what it is.
    out[k] = isSecretFieldName(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redactSecrets(v, depth + 1);
  }
  return out;
}
