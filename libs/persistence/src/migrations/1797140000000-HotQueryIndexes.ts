import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the hot-query plan check found missing (libs/persistence/src/hot-query-plans.int-spec.ts):
 * a CRM id looked up without its connection (customers and merged-away aliases; both unique keys
 * lead with connection_id), and the reconciler's purge of relayed outbox rows, run every pass.
 * Plain CREATE INDEX locks writes to the table while it builds; on a large live database create
 * them by hand first with CREATE INDEX CONCURRENTLY under the same names (docs/capacity.md#indexes),
 * and this migration then finds them in place.
 */
export class HotQueryIndexes1797140000000 implements MigrationInterface {
  name = 'HotQueryIndexes1797140000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "customers_external_id_idx" ON "customers" ("external_id")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "customer_aliases_external_id_idx" ON "customer_aliases" ("external_id")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "outbox_relayed_idx" ON "outbox" ("relayed_at") WHERE relayed_at IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "outbox_relayed_idx"`);
    await queryRunner.query(`DROP INDEX "customer_aliases_external_id_idx"`);
    await queryRunner.query(`DROP INDEX "customers_external_id_idx"`);
  }
}
