import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per connection, which published content (live persona set, live strategy) its CRM records'
 * write-back texts were last brought up to date with: a publish that changes only names,
 * descriptions or the strategy re-writes the customers who keep their persona, once.
 */
export class WritebackPublished1796850000000 implements MigrationInterface {
  name = 'WritebackPublished1796850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "crm_writeback_published" ("connection_id" uuid NOT NULL, "published_key" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_93be5f7206204fd8b7881c49b35" PRIMARY KEY ("connection_id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "crm_writeback_published"`);
  }
}
