import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The persona changes a full run writes going live get a table of their own, keyed so that a run's
 * rows land at the right edge of both its B-trees: (set_version, customer_id, id) (each run going
 * live is a newer set version, its rows come in customer order) and the feed's (xact_id, id). In
 * persona_history the key (customer_id, id) took them all across a tree holding every earlier
 * change (issue 12, docs/benchmarks.md). Same columns as persona_history; ids come from
 * persona_history's identity sequence, so (xact_id, id) and id order one feed and one timeline
 * across both tables. Existing rows stay where they are.
 */
export class PersonaRunChanges1797760000000 implements MigrationInterface {
  name = 'PersonaRunChanges1797760000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "persona_run_changes" ("set_version" integer NOT NULL, "customer_id" bigint NOT NULL, "id" bigint NOT NULL,
        "from_persona_id" uuid, "to_persona_id" uuid NOT NULL, "cause" text NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "xact_id" bigint NOT NULL,
        CONSTRAINT "PK_persona_run_changes" PRIMARY KEY ("set_version", "customer_id", "id"))`,
    );
    await queryRunner.query(`CREATE INDEX "persona_run_changes_feed_idx" ON "persona_run_changes" ("xact_id", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO "persona_history" ("id", "customer_id", "from_persona_id", "to_persona_id", "set_version", "cause", "changed_at", "xact_id")
       OVERRIDING SYSTEM VALUE SELECT "id", "customer_id", "from_persona_id", "to_persona_id", "set_version", "cause", "changed_at", "xact_id" FROM "persona_run_changes"`,
    );
    await queryRunner.query(`DROP TABLE "persona_run_changes"`);
  }
}
