import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Behaviour in rules: a behavioural attribute's definition on its catalog row (`attributes.behaviour`),
 * and each customer's computed values (`customer_behaviour`), kept apart from `customers.attributes`
 * so a CRM sync, which replaces that document, never wipes them.
 */
export class BehaviourInRules1797040000000 implements MigrationInterface {
  name = 'BehaviourInRules1797040000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "attributes" ADD "behaviour" jsonb`);
    await queryRunner.query(
      `CREATE TABLE "customer_behaviour" ("customer_id" bigint NOT NULL, "values" jsonb NOT NULL DEFAULT '{}', "next_change_at" TIMESTAMP WITH TIME ZONE, "computed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_customer_behaviour_customer_id" PRIMARY KEY ("customer_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "customer_behaviour_next_change_idx" ON "customer_behaviour" ("next_change_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."customer_behaviour_next_change_idx"`);
    await queryRunner.query(`DROP TABLE "customer_behaviour"`);
    await queryRunner.query(`ALTER TABLE "attributes" DROP COLUMN "behaviour"`);
  }
}
