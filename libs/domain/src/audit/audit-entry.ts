import type { Role } from '../access/role';

/** One change made by an admin key, as the audit log keeps it (README "Audit log"). */
export interface AuditEntry {
  id: string;
  at: Date;
  actor: { keyId: string; name: string; role: Role | string };
  /** `persona.publish`, `connection.update`, `customer.erase`, … */
  action: string;
  method: string;
  /** The route pattern (`/v1/personas/:key`). */
  route: string;
  path: string;
  target: { type: string; id: string | null };
  statusCode: number;
  /** The request body, redacted; null where it carries customer data or was too large. */
  request: unknown;
  before: unknown;
  after: unknown;
  correlationId: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditFilter {
  since?: Date;
  until?: Date;
  actorKeyId?: string;
  targetType?: string;
  targetId?: string;
  /** Entries older than this id (the `next` of the previous page). */
  before?: string;
  limit: number;
}
