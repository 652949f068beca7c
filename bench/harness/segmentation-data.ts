import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { buildPersonaSet, CANONICAL_CATALOG } from '@corridor/domain';
import { contentHashOf, copyLinesInto, IMPORT_CONNECTION_ID, PersonaRepository } from '@corridor/persistence';
import { FIXTURE_PERSONAS } from '../fixtures/persona-fixture';
import { syntheticCustomer } from '../fixtures/synthetic-customers';

/** COPYs `n` synthetic customers (evaluated as of `now`) into the bench's database, then ANALYZE. */
export async function loadCustomers(ds: DataSource, n: number, now: number): Promise<void> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  try {
    const batch = 50_000;
    for (let start = 0; start < n; start += batch) {
      const rows = Array.from({ length: Math.min(batch, n - start) }, (_, k) => syntheticCustomer(start + k, now));
      const sink = client.query(copyFrom(`COPY customers (connection_id, external_id, email, attributes, content_hash) FROM STDIN`));
      await copyLinesInto(sink, rows.length, (k) => {
        const r = rows[k];
        const json = JSON.stringify(r.attributes).replace(/\\/g, '\\\\');
        return `${IMPORT_CONNECTION_ID}\t${r.externalId}\t${String(r.attributes.email).toLowerCase()}\t${json}\t${contentHashOf(r.attributes)}\n`;
      });
    }
    await client.query('ANALYZE customers');
  } finally {
    await qr.release();
  }
}

/** The fixture's personas as drafts, and the set a publish of them freezes. */
export async function createPersonas(ds: DataSource) {
  const personas = new PersonaRepository(ds);
  await personas.transaction(async (tx) => {
    for (const [i, p] of FIXTURE_PERSONAS.entries()) {
      await tx.create({ key: p.key, name: p.name, description: p.description, priority: i + 1, enabled: true, rule: p.rule }, null);
    }
  });
  return buildPersonaSet(await personas.draftWithVersionIds(), CANONICAL_CATALOG);
}
export type BenchPersonaSet = Awaited<ReturnType<typeof createPersonas>>;
