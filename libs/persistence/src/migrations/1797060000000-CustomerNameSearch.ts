import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Name look-ups for the console's customer search: prefix matches on the full name ("ann l…") and
 * on the last name, case ignored. Expression indexes over the attributes document (TypeORM cannot
 * declare them: the entity lists them with synchronize: false). text_pattern_ops makes `LIKE 'x%'`
 * an index range scan whatever the database's collation.
 */
export class CustomerNameSearch1797060000000 implements MigrationInterface {
  name = 'CustomerNameSearch1797060000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "customers_full_name_idx" ON "customers" (lower(btrim(coalesce("attributes"->>'first_name', '') || ' ' || coalesce("attributes"->>'last_name', ''))) text_pattern_ops)`,
    );
    await queryRunner.query(`CREATE INDEX "customers_last_name_idx" ON "customers" (lower(btrim("attributes"->>'last_name')) text_pattern_ops)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "customers_last_name_idx"`);
    await queryRunner.query(`DROP INDEX "customers_full_name_idx"`);
  }
}
