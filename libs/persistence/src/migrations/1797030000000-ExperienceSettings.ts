import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The experience score's settings (docs/experience.md#settings): one row (id 1), absent until an
 * admin saves some (the defaults apply); and an index on recent feedback by arrival, for the
 * outbox reconciler's look for feedback whose job was lost. Literals: migrations are frozen.
 */
export class ExperienceSettings1797030000000 implements MigrationInterface {
  name = 'ExperienceSettings1797030000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "experience_settings" ("id" smallint NOT NULL, "average_weight" double precision NOT NULL, "peak_weight" double precision NOT NULL, "end_weight" double precision NOT NULL, "moment_of_truth_weight" double precision NOT NULL, "window_days" integer NOT NULL, "recovery_threshold" double precision NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_experience_settings_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "outcomes_feedback_received_idx" ON "outcomes" ("received_at") WHERE type = 'feedback'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."outcomes_feedback_received_idx"`);
    await queryRunner.query(`DROP TABLE "experience_settings"`);
  }
}
