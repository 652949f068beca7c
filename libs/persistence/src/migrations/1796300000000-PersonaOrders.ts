import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The draft's evaluation order gets its own history (persona_orders), so moving one persona no
 * longer adds a version to every persona below it. Seeded with the order as it stands, so the
 * history starts from a known state. Earlier `reorder` rows in persona_versions stay: published
 * sets refer to those version ids.
 */
export class PersonaOrders1796300000000 implements MigrationInterface {
  name = 'PersonaOrders1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "persona_orders" ("version" integer NOT NULL, "keys" jsonb NOT NULL, "change" text NOT NULL, "persona_key" text, "changed_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_persona_orders" PRIMARY KEY ("version"))`,
    );
    await queryRunner.query(
      `INSERT INTO "persona_orders" ("version", "keys", "change")
       SELECT 1, COALESCE(jsonb_agg("key" ORDER BY "priority"), '[]'::jsonb), 'initial'
         FROM "personas" WHERE "archived_at" IS NULL AND NOT "is_fallback"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "persona_orders"`);
  }
}
