/**
 * Names a change for the audit log from its route: `POST /v1/personas` is `persona.create`,
 * `PATCH /v1/connections/:id` is `connection.update`, `POST /v1/personas/publish` is
 * `persona.publish`, `DELETE /v1/api-keys/:id` is `api_key.delete`. The target is the resource and
 * the last route parameter of the path (its id or key). Null for routes that change nothing (a
 * validation, a preview, a connection test): they take a POST for their body, not to write.
 */
export interface AuditedRoute {
  action: string;
  targetType: string;
  targetId: string | null;
}

/** Routes (method and pattern) that read or try something without changing state. */
const NOT_CHANGES = new Set([
  'POST /v1/personas/validate',
  'POST /v1/personas/preview',
  'POST /v1/strategy/validate',
  'POST /v1/strategy/preview',
  'POST /v1/rules/evaluate',
  'POST /v1/connections/:id/test',
  'POST /v1/admin/queues/session',
]);

const VERB: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'update', DELETE: 'delete' };

/** Plural path segments as one resource (`api-keys` → `api_key`, `strategy` stays). */
export function resourceName(segment: string): string {
  const s = segment.replace(/-/g, '_');
  if (s.endsWith('ies')) return `${s.slice(0, -3)}y`;
  if (s.endsWith('ses') || s.endsWith('ss')) return s;
  return s.endsWith('s') ? s.slice(0, -1) : s;
}

/** A fixed last segment that names an operation on its collection rather than a resource. */
const OPERATIONS = new Set(['publish', 'order', 'draft', 'settings', 'refresh', 'import', 'behaviour']);

export function auditedRoute(method: string, route: string, params: Record<string, string | undefined>): AuditedRoute | null {
  const m = method.toUpperCase();
  if (!VERB[m] || NOT_CHANGES.has(`${m} ${route}`)) return null;
  const parts = route.split('/').filter((p) => p && p !== 'v1');
  const firstParam = parts.findIndex((p) => p.startsWith(':'));
  let head = firstParam === -1 ? parts : parts.slice(0, firstParam);
  // After the parameters, fixed segments are the operation (`/:id/publish`, `/:id/sync`).
  const tail = firstParam === -1 ? [] : parts.slice(firstParam).filter((p) => !p.startsWith(':'));
  let verb = tail.length ? tail.map(snake).join('.') : VERB[m];
  if (firstParam === -1 && head.length >= 2 && OPERATIONS.has(head[head.length - 1])) {
    const op = snake(head[head.length - 1]);
    verb = m === 'PUT' || m === 'PATCH' ? `${op}.update` : m === 'DELETE' ? `${op}.delete` : op;
    head = head.slice(0, -1);
  }
  if (head.length === 0) return null;
  const resource = head.map(resourceName).join('_');
  const paramNames = parts.filter((p) => p.startsWith(':')).map((p) => p.slice(1));
  const targetId = paramNames.length ? paramNames.map((p) => params[p] ?? '').join('/') : null;
  return { action: `${resource}.${verb}`, targetType: resource, targetId };
}

function snake(segment: string): string {
  return segment.replace(/-/g, '_');
}
