import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Attributes, canonicalAttributesJson, canonicalJson, compactAttributes, Customer, CrmObject, IncomingCustomer, UpsertOutcome } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { BEHAVIOUR_JOIN, EVALUATED_ATTRIBUTES } from './evaluated-attributes';

interface CustomerRow {
  id: string;
  connection_id: string;
  crm_object: string;
  external_id: string;
  email: string | null;
  attributes: Record<string, unknown>;
  deleted_at: Date | null;
  merged_into_id: string | null;
  created_at: Date;
  updated_at: Date;
  data_changed_at: Date;
}

/** A customer as read: attributes as rules see them (behavioural values merged in; evaluated-attributes.ts). */
const COLUMNS = `c.id, c.connection_id, c.crm_object, c.external_id, c.email, ${EVALUATED_ATTRIBUTES} AS attributes, c.deleted_at,
  c.merged_into_id, c.created_at, c.updated_at, c.data_changed_at`;
const FROM = `customers c ${BEHAVIOUR_JOIN}`;

export function contentHashOf(attributes: Record<string, unknown>): string {
  return createHash('sha1').update(canonicalJson(attributes)).digest('base64url');
}

function normaliseEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email === '' ? null : email;
}

/** The upsert of CustomerRepository.upsertBatch, inside a caller's transaction (CRM sync commits it with its checkpoint). */
export async function upsertCustomers(em: EntityManager, connectionId: string, incoming: readonly IncomingCustomer[]): Promise<UpsertOutcome> {
  if (incoming.length === 0) return { created: 0, updated: 0, unchanged: 0, changedIds: [], createdIds: [] };
  // Last one wins within a batch: Postgres refuses to update one row twice in a statement.
  const byExternalId = new Map<string, IncomingCustomer>();
  for (const c of incoming) byExternalId.set(c.externalId, c);
  // The jsonb payload is written by hand around each document's canonical text (also what is
  // hashed), so a record's attributes are serialised once, not twice (hash, then payload).
  const rows: string[] = [];
  for (const c of byExternalId.values()) {
    const attributes = compactAttributes(c.attributes);
    const { json, plain } = canonicalAttributesJson(attributes);
    rows.push(
      `{"external_id":${JSON.stringify(c.externalId)},"crm_object":${JSON.stringify(c.crmObject ?? 'contact')},` +
        `"email":${JSON.stringify(normaliseEmail(attributes.email))},"attributes":${plain ? json : JSON.stringify(attributes)},` +
        `"content_hash":"${createHash('sha1').update(json).digest('base64url')}",` +
        `"crm_modified_at":${c.crmModifiedAt === undefined ? 'null' : JSON.stringify(new Date(c.crmModifiedAt).toISOString())},` +
        `"wb":${c.writebackValues !== undefined},"wbv":${JSON.stringify(writebackValuesToStore(c.writebackValues))}}`,
    );
  }
  // One statement: the upsert, and the write-back values of the records it read (see
  // writebackValuesToStore). Rows it inserts or updates take them in the same write; those it
  // leaves alone (unchanged content) get them from `writeback` only where they differ. A
  // record read without them (`wb` false) keeps what is stored. The two inserts and the update
  // touch disjoint rows (one row may change once per statement).
  const result: Array<{ id: string; inserted: boolean }> = await em.query(
    `WITH input AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($2::jsonb)
         AS x(external_id text, crm_object text, email text, attributes jsonb, content_hash text, crm_modified_at timestamptz, wb boolean, wbv jsonb)
     ),
     with_wb AS (${UPSERT.replace('$WBV', 'wbv').replace('$WHERE', 'wb').replace('$SET_WB', ', crm_writeback_values = EXCLUDED.crm_writeback_values')}),
     without_wb AS (${UPSERT.replace('$WBV', 'NULL::jsonb').replace('$WHERE', 'NOT wb').replace('$SET_WB', '')}),
     writeback AS (
       UPDATE customers c SET crm_writeback_values = x.wbv
         FROM input x
        WHERE x.wb AND c.connection_id = $1 AND c.external_id = x.external_id
          AND c.crm_writeback_values IS DISTINCT FROM x.wbv
          AND (x.crm_modified_at IS NULL OR c.crm_modified_at IS NULL OR x.crm_modified_at >= c.crm_modified_at)
          AND NOT EXISTS (SELECT 1 FROM with_wb u WHERE u.external_id = x.external_id)
     )
     SELECT id, inserted FROM with_wb UNION ALL SELECT id, inserted FROM without_wb`,
    [connectionId, `[${rows.join(',')}]`],
  );
  const createdIds = result.filter((r) => r.inserted).map((r) => String(r.id));
  return {
    created: createdIds.length,
    updated: result.length - createdIds.length,
    unchanged: rows.length - result.length,
    changedIds: result.map((r) => String(r.id)),
    createdIds,
  };
}

/** How incoming attributes meet the stored ones (a domain decision, handed in): the set to store. */
export type AttributeMerge = (stored: Attributes | undefined, incoming: Attributes) => Attributes;

/** Upserts inside one transaction (CustomerRepository.inTransaction). */
export interface CustomerBatchWriter {
  upsertBatch(connectionId: string, incoming: readonly IncomingCustomer[], merge?: AttributeMerge): Promise<UpsertOutcome>;
}

/**
 * Applies `merge` to each incoming customer and its stored attributes, read under a row lock so a
 * concurrent write cannot slip between the read and the upsert.
 */
async function upsertMerged(em: EntityManager, connectionId: string, incoming: readonly IncomingCustomer[], merge: AttributeMerge): Promise<UpsertOutcome> {
  if (incoming.length === 0) return upsertCustomers(em, connectionId, incoming);
  const rows: Array<{ external_id: string; attributes: Attributes }> = await em.query(
    `SELECT external_id, attributes FROM customers WHERE connection_id = $1 AND external_id = ANY($2::text[]) FOR UPDATE`,
    [connectionId, incoming.map((c) => c.externalId)],
  );
  const stored = new Map(rows.map((r) => [r.external_id, r.attributes]));
  return upsertCustomers(
    em,
    connectionId,
    incoming.map((c) => ({ ...c, attributes: merge(stored.get(c.externalId), c.attributes) })),
  );
}

/**
 * The CRM's current values of the write-back fields, kept on each record read with them, outside
 * the content hash (they are not customer data, and a write-back must not look like a change);
 * only rows whose values differ are written, and never from an older version of the record. No
 * values at all is stored as NULL: a first sync of records never written back writes nothing more.
 */
function writebackValuesToStore(values: IncomingCustomer['writebackValues']): Record<string, string | null> | null {
  if (values === undefined) return null;
  for (const key in values) if (values[key] !== null && values[key] !== '') return values;
  return null;
}

/** upsertCustomers' insert-or-update of changed content, for the rows of `input` matching $WHERE. */
const UPSERT = `
  INSERT INTO customers (connection_id, crm_object, external_id, email, attributes, content_hash, crm_modified_at, data_changed_at, crm_writeback_values)
  SELECT $1, crm_object, external_id, email, attributes, content_hash, crm_modified_at, now(), $WBV FROM input WHERE $WHERE
  ON CONFLICT (connection_id, external_id) DO UPDATE
    SET crm_object = EXCLUDED.crm_object, email = EXCLUDED.email, attributes = EXCLUDED.attributes,
        content_hash = EXCLUDED.content_hash, crm_modified_at = coalesce(EXCLUDED.crm_modified_at, customers.crm_modified_at),
        data_changed_at = now(), data_xact_id = DEFAULT, updated_at = now(), deleted_at = NULL, erased_at = NULL$SET_WB
    WHERE customers.merged_into_id IS NULL
      -- an erased record (customer-data.store.ts) comes back only as a newer version from the CRM:
      -- a newer modification stamp, or other content where the source has no stamp
      AND (customers.erased_at IS NULL OR CASE WHEN EXCLUDED.crm_modified_at IS NOT NULL AND customers.crm_modified_at IS NOT NULL
                                                THEN EXCLUDED.crm_modified_at > customers.crm_modified_at
                                                ELSE customers.content_hash <> EXCLUDED.content_hash END)
      AND (customers.content_hash <> EXCLUDED.content_hash OR customers.deleted_at IS NOT NULL)
      -- never step back to an older version of the record (a lagging search index)
      AND (EXCLUDED.crm_modified_at IS NULL OR customers.crm_modified_at IS NULL OR EXCLUDED.crm_modified_at >= customers.crm_modified_at)
  RETURNING id, external_id, (xmax = 0) AS inserted`;

@Injectable()
export class CustomerRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts new customers and updates those whose attributes changed (by content hash), in one
   * statement. Unchanged rows are not touched at all: no write, no re-segmentation. A soft-deleted
   * customer that arrives again is restored. With `merge`, each customer's stored attributes are
   * read (locked) and merged with the incoming ones first, in the same transaction.
   */
  upsertBatch(connectionId: string, incoming: readonly IncomingCustomer[], merge?: AttributeMerge): Promise<UpsertOutcome> {
    if (!merge) return upsertCustomers(this.db.manager, connectionId, incoming);
    return this.db.transaction((em) => upsertMerged(em, connectionId, incoming, merge));
  }

  /** Runs `work` in one transaction: every batch it writes commits together, or none does. */
  inTransaction<T>(work: (writer: CustomerBatchWriter) => Promise<T>): Promise<T> {
    return this.db.transaction((em) =>
      work({
        upsertBatch: (connectionId, incoming, merge) =>
          merge ? upsertMerged(em, connectionId, incoming, merge) : upsertCustomers(em, connectionId, incoming),
      }),
    );
  }

  /** Soft-deletes by CRM id; returns the ids that were live until now. */
  async markDeleted(connectionId: string, externalIds: readonly string[]): Promise<string[]> {
    if (externalIds.length === 0) return [];
    // TypeORM answers an UPDATE with [rows, count].
    const [rows]: [Array<{ id: string }>, number] = await this.db.query(
      `UPDATE customers SET deleted_at = now(), updated_at = now(), data_changed_at = now(), data_xact_id = DEFAULT
        WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND deleted_at IS NULL
        RETURNING id`,
      [connectionId, externalIds],
    );
    return rows.map((r) => String(r.id));
  }

  async findById(id: string): Promise<Customer | null> {
    if (!/^[1-9][0-9]{0,18}$/.test(id)) return null;
    const rows: CustomerRow[] = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1`, [id]);
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  /** Several customers by id (id → customer; unknown ids are absent). */
  async findByIds(ids: readonly string[]): Promise<Map<string, Customer>> {
    const valid = [...new Set(ids)].filter((id) => /^[1-9][0-9]{0,18}$/.test(id));
    if (valid.length === 0) return new Map();
    const rows: CustomerRow[] = await this.db.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = ANY($1::bigint[])`, [valid]);
    return new Map(rows.map((r) => toCustomer(r)).map((c) => [c.id, c]));
  }

  /** Live customers with this email (several CRMs may hold the same person). */
  async findByEmail(email: string): Promise<Customer[]> {
    const rows: CustomerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE c.email = $1 AND c.merged_into_id IS NULL ORDER BY c.id`,
      [normaliseEmail(email)],
    );
    return rows.map(toCustomer);
  }

  /**
   * By name: customers whose full name ("first last") or last name starts with `term`, case
   * ignored, at most `limit`, by id. Both predicates are the expressions of the name indexes
   * (migration CustomerNameSearch1797060000000): two index range scans, never a scan of the table.
   * The matches are capped at NAME_SEARCH_CANDIDATES before sorting (a materialised CTE, so the
   * planner cannot trade the index scans for a walk of the primary key in id order): a prefix
   * shared by more customers than that gives some of them, and the caller should narrow it.
   */
  async searchByName(term: string, limit: number): Promise<Customer[]> {
    const prefix = `${term.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows: CustomerRow[] = await this.db.query(
      `WITH m AS MATERIALIZED (
         SELECT c.id FROM customers c
          WHERE (${FULL_NAME_SQL} LIKE $1 OR ${LAST_NAME_SQL} LIKE $1) AND c.merged_into_id IS NULL
          LIMIT ${NAME_SEARCH_CANDIDATES})
       SELECT ${COLUMNS} FROM ${FROM} JOIN m ON m.id = c.id ORDER BY c.id LIMIT $2`,
      [prefix, limit],
    );
    return rows.map(toCustomer);
  }

  /** By CRM id, following merge aliases to the surviving record; optionally within one connection. */
  async findByExternalId(externalId: string, connectionId?: string): Promise<Customer[]> {
    const rows: CustomerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM ${FROM}
        WHERE c.id IN (
          SELECT id FROM customers WHERE external_id = $1 AND ($2::uuid IS NULL OR connection_id = $2) AND merged_into_id IS NULL
          UNION
          SELECT customer_id FROM customer_aliases WHERE external_id = $1 AND ($2::uuid IS NULL OR connection_id = $2))
        ORDER BY c.id`,
      [externalId, connectionId ?? null],
    );
    return rows.map(toCustomer);
  }

  /** For evaluation: live customers by id, with their attributes. */
  async findManyForEvaluation(ids: readonly string[]): Promise<Array<{ id: string; attributes: Record<string, unknown>; live: boolean }>> {
    if (ids.length === 0) return [];
    const rows: Array<{ id: string; attributes: Record<string, unknown>; live: boolean }> = await this.db.query(
      `SELECT c.id::text AS id, ${EVALUATED_ATTRIBUTES} AS attributes, (c.deleted_at IS NULL AND c.merged_into_id IS NULL) AS live
         FROM ${FROM} WHERE c.id = ANY($1::bigint[])`,
      [ids],
    );
    return rows;
  }
}

function toCustomer(r: CustomerRow): Customer {
  return {
    id: String(r.id),
    connectionId: r.connection_id,
    crmObject: r.crm_object as CrmObject,
    externalId: r.external_id,
    email: r.email,
    attributes: r.attributes,
    deleted: r.deleted_at !== null,
    mergedIntoId: r.merged_into_id === null ? null : String(r.merged_into_id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    dataChangedAt: r.data_changed_at,
  };
}

export const NAME_SEARCH_CANDIDATES = 500;

/** The indexed name expressions (must stay exactly as in migration CustomerNameSearch1797060000000). */
export const FULL_NAME_SQL = `lower(btrim(coalesce(c.attributes->>'first_name', '') || ' ' || coalesce(c.attributes->>'last_name', '')))`;
export const LAST_NAME_SQL = `lower(btrim(c.attributes->>'last_name'))`;
