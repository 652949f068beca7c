import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outcomes in: each treatment's response window and its pause after ignored deliveries (null: the
 * defaults), a mark on deliveries whose response is settled (engaged, or `ignored` inferred) with a
 * partial index over the delivered ones still waiting (the sweep reads only those), and each
 * customer's streak of ignored deliveries per treatment with the pause it earned.
 */
export class OutcomesIn1797010000000 implements MigrationInterface {
  name = 'OutcomesIn1797010000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "treatments" ADD "response_window_hours" integer`);
    await queryRunner.query(`ALTER TABLE "treatments" ADD "ignored_in_a_row" integer`);
    await queryRunner.query(`ALTER TABLE "treatments" ADD "pause_days" integer`);
    await queryRunner.query(`ALTER TABLE "deliveries" ADD "response_settled_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE INDEX "deliveries_awaiting_response_idx" ON "deliveries" ("delivered_at", "id") WHERE status = 'delivered' AND response_settled_at IS NULL`);
    await queryRunner.query(
      `CREATE TABLE "treatment_fatigue" ("customer_id" bigint NOT NULL, "treatment_key" text NOT NULL, "ignored_streak" integer NOT NULL DEFAULT '0', "paused_until" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_treatment_fatigue" PRIMARY KEY ("customer_id", "treatment_key"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "treatment_fatigue"`);
    await queryRunner.query(`DROP INDEX "public"."deliveries_awaiting_response_idx"`);
    await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "response_settled_at"`);
    await queryRunner.query(`ALTER TABLE "treatments" DROP COLUMN "pause_days"`);
    await queryRunner.query(`ALTER TABLE "treatments" DROP COLUMN "ignored_in_a_row"`);
    await queryRunner.query(`ALTER TABLE "treatments" DROP COLUMN "response_window_hours"`);
  }
}
