import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * persona_history's primary key becomes (customer_id, id), replacing both the key on id and the
 * timeline's (customer_id, id) index: every history row (a going live writes one per changed
 * customer) then maintains two B-trees instead of three (issue 12). No reader looks a row up by id
 * alone; the feed reads (xact_id, id), the timeline, export and merge read by customer. The id stays
 * unique by construction (GENERATED ALWAYS AS IDENTITY). The rows are untouched; the new key's
 * index is built from them before the old index goes, so the timeline always has one.
 */
export class PersonaHistoryCustomerKey1797660000000 implements MigrationInterface {
  name = 'PersonaHistoryCustomerKey1797660000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "persona_history" DROP CONSTRAINT "PK_e282b5a8eb849819bc8fa6b4d12"`);
    await queryRunner.query(`ALTER TABLE "persona_history" ADD CONSTRAINT "PK_persona_history_customer_id_id" PRIMARY KEY ("customer_id", "id")`);
    await queryRunner.query(`DROP INDEX "public"."persona_history_customer_idx"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "persona_history_customer_idx" ON "persona_history" ("customer_id", "id") `);
    await queryRunner.query(`ALTER TABLE "persona_history" DROP CONSTRAINT "PK_persona_history_customer_id_id"`);
    await queryRunner.query(`ALTER TABLE "persona_history" ADD CONSTRAINT "PK_e282b5a8eb849819bc8fa6b4d12" PRIMARY KEY ("id")`);
  }
}
