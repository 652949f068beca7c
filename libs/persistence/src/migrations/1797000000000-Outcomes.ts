import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcomes and feedback coming back (`outcomes`, idempotent per source), each customer's
 * experience (`customer_experience`, kept as feedback arrives), and the built-in
 * `recovery_needed` touchpoint Corridor raises after a bad moment of truth (literals: migrations
 * are frozen).
 */
export class Outcomes1797000000000 implements MigrationInterface {
  name = 'Outcomes1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "outcomes" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "source" text NOT NULL, "idempotency_key" text NOT NULL, "type" text NOT NULL, "customer_id" bigint NOT NULL, "event_id" bigint NOT NULL, "decision_id" bigint, "delivery_id" bigint, "touchpoint_key" text NOT NULL, "value" numeric, "csat" smallint, "nps" smallint, "effort" smallint, "comment" text, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "correlation_id" text, CONSTRAINT "PK_outcomes_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "outcomes_idempotency_key" ON "outcomes" ("source", "idempotency_key") `);
    await queryRunner.query(`CREATE INDEX "outcomes_customer_idx" ON "outcomes" ("customer_id", "occurred_at") `);
    await queryRunner.query(`CREATE INDEX "outcomes_event_idx" ON "outcomes" ("event_id") `);
    await queryRunner.query(`CREATE INDEX "outcomes_delivery_idx" ON "outcomes" ("delivery_id") `);
    await queryRunner.query(
      `CREATE TABLE "customer_experience" ("customer_id" bigint NOT NULL, "score" numeric(6,3), "feedback_count" integer NOT NULL DEFAULT '0', "last_csat" smallint, "last_nps" smallint, "last_effort" smallint, "last_feedback_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_customer_experience_customer_id" PRIMARY KEY ("customer_id"))`,
    );
    await queryRunner.query(`UPDATE "touchpoints" SET "position" = "position" + 1 WHERE "stage_key" = 'service' AND "key" <> 'persona_changed'`);
    await queryRunner.query(
      `INSERT INTO "touchpoints" ("key", "name", "stage_key", "channel", "major", "moment_of_truth", "owner", "description", "built_in", "position", "event_properties")
       VALUES ('recovery_needed', 'Recovery needed', 'service', 'crm', false, false, 'Corridor',
       'Raised by Corridor when feedback at a moment of truth falls below the recovery threshold (event properties: touchpoint, measure, score, outcomeId).', true, 2,
       '[{"name": "touchpoint", "type": "string"}, {"name": "measure", "type": "string"}, {"name": "score", "type": "number"}, {"name": "outcomeId", "type": "string"}]')
       ON CONFLICT ("key") DO NOTHING`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "touchpoints" WHERE "key" = 'recovery_needed' AND "built_in"`);
    await queryRunner.query(`DROP TABLE "customer_experience"`);
    await queryRunner.query(`DROP INDEX "public"."outcomes_delivery_idx"`);
    await queryRunner.query(`DROP INDEX "public"."outcomes_event_idx"`);
    await queryRunner.query(`DROP INDEX "public"."outcomes_customer_idx"`);
    await queryRunner.query(`DROP INDEX "public"."outcomes_idempotency_key"`);
    await queryRunner.query(`DROP TABLE "outcomes"`);
  }
}
