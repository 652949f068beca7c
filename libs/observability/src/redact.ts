/** Keys whose values never reach a log line, wherever they appear in a logged object. */
export const SECRET_KEY_PATTERN = /authorization|x-api-key|api[-_]?key|cookie|token|secret|password|passwd|credential/i;

export const REDACTED = '[redacted]';

/**
 * Exact paths pino censors while serialising. They matter for child-logger bindings, which pino
 * serialises without running `formatters.log` (so `redactSecrets` never sees them), and they make
 * the credential headers certain. `redactSecrets` covers every other place in a log call.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...['apiKey', 'api_key', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token'],
  ...['secret', 'clientSecret', 'client_secret', 'password', 'authorization', 'cookie', 'credentials'],
];

/**
 * A copy of `value` with every member whose key looks secret replaced by "[redacted]", at any
 * depth, in plain objects and arrays. pino's own `redact` needs exact paths and cannot match
 * "anything named *token*".
 */
export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return errorForLog(value, depth) as T;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1)) as T;
  // Class instances (requests, errors, dates) are left to pino's serializers, which pick safe fields.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  // fromEntries defines own properties: a `__proto__` key stays a key instead of replacing the prototype.
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY_PATTERN.test(k) ? REDACTED : redactSecrets(v, depth + 1)]),
  ) as T;
}

/**
 * Fields of an error that are safe to log. Errors carry data beside their message: TypeORM's
 * QueryFailedError holds the statement's `parameters` (sealed credentials among them) and
 * Postgres' `detail` quotes row values ("Failing row contains (…)", "Key (x)=(…)"). So an error is
 * logged by an allow-list: what it is, where it came from, and which constraint or table, never
 * the values.
 */
const SAFE_ERROR_FIELDS = ['code', 'errno', 'syscall', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'severity', 'status', 'kind'];

export function errorForLog(error: Error, depth = 0): Record<string, unknown> {
  const source = error as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { type: error.constructor?.name ?? error.name, message: error.message, stack: error.stack };
  for (const key of SAFE_ERROR_FIELDS) {
    const v = source[key];
    if (v !== undefined && (typeof v === 'string' || typeof v === 'number')) out[key] = v;
  }
  // Nested errors (TypeORM's driverError, `cause`) by the same rule, not too deep.
  for (const key of ['driverError', 'cause'] as const) {
    const nested = source[key];
    if (nested instanceof Error && depth < 4) out[key] = errorForLog(nested, depth + 1);
  }
  return out;
}

/** A URL with the values of secret-looking query parameters (`?token=…`) replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  let changed = false;
  for (const key of [...params.keys()]) {
    if (SECRET_KEY_PATTERN.test(key)) {
      params.set(key, REDACTED);
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${params.toString()}` : url;
}
