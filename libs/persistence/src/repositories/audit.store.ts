import { Injectable } from '@nestjs/common';
import { AuditEntry, AuditFilter, NewAuditEntry } from '@corridor/domain';
import { DataSource } from 'typeorm';

interface AuditRow {
  id: string;
  at: Date;
  actor_key_id: string;
  actor_name: string;
  actor_role: string;
  action: string;
  method: string;
  route: string;
  path: string;
  target_type: string;
  target_id: string | null;
  status_code: number;
  request: unknown;
  before: unknown;
  after: unknown;
  correlation_id: string | null;
}

/** The audit log of admin changes: append, and read newest first by time, actor or target. */
@Injectable()
export class AuditStore {
  constructor(private readonly db: DataSource) {}

  async record(e: NewAuditEntry): Promise<string> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO audit_log (actor_key_id, actor_name, actor_role, action, method, route, path, target_type, target_id, status_code, request, before, after, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14) RETURNING id::text`,
      [
        e.actor.keyId,
        e.actor.name,
        e.actor.role,
        e.action,
        e.method,
        e.route,
        e.path,
        e.target.type,
        e.target.id,
        e.statusCode,
        jsonOrNull(e.request),
        jsonOrNull(e.before),
        jsonOrNull(e.after),
        e.correlationId,
      ],
    );
    return rows[0].id;
  }

  /** Newest first; `next` is the id to pass as `before` for the following page (null at the end). */
  async list(f: AuditFilter): Promise<{ items: AuditEntry[]; next: string | null }> {
    const rows: AuditRow[] = await this.db.query(
      `SELECT id::text, at, actor_key_id, actor_name, actor_role, action, method, route, path, target_type, target_id, status_code, request, before, after, correlation_id
         FROM audit_log
        WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2)
          AND ($3::uuid IS NULL OR actor_key_id = $3) AND ($4::text IS NULL OR target_type = $4) AND ($5::text IS NULL OR target_id = $5)
          AND ($6::bigint IS NULL OR id < $6)
        ORDER BY id DESC LIMIT $7`,
      [f.since ?? null, f.until ?? null, f.actorKeyId ?? null, f.targetType ?? null, f.targetId ?? null, f.before ?? null, f.limit + 1],
    );
    const items = rows.slice(0, f.limit).map(toEntry);
    return { items, next: rows.length > f.limit ? items[items.length - 1].id : null };
  }
}

/** undefined and null both mean "nothing kept"; anything else is stored as its JSON text. */
function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: { keyId: r.actor_key_id, name: r.actor_name, role: r.actor_role },
    action: r.action,
    method: r.method,
    route: r.route,
    path: r.path,
    target: { type: r.target_type, id: r.target_id },
    statusCode: r.status_code,
    request: r.request,
    before: r.before,
    after: r.after,
    correlationId: r.correlation_id,
  };
}
