import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log of admin changes (README "Audit log"), read newest first and by actor or target;
 * and the erasure mark on customers (README "Customer data requests"): an erased record is an
 * anonymised tombstone that a sync re-imports only when the CRM holds a newer version.
 * Literals: migrations are frozen.
 */
export class AuditAndErasure1797110000000 implements MigrationInterface {
  name = 'AuditAndErasure1797110000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_log" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor_key_id" uuid NOT NULL, "actor_name" text NOT NULL, "actor_role" text NOT NULL, "action" text NOT NULL, "method" text NOT NULL, "route" text NOT NULL, "path" text NOT NULL, "target_type" text NOT NULL, "target_id" text, "status_code" integer NOT NULL, "request" jsonb, "before" jsonb, "after" jsonb, "correlation_id" text, CONSTRAINT "PK_audit_log_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "audit_log_at_idx" ON "audit_log" ("at") `);
    await queryRunner.query(`CREATE INDEX "audit_log_actor_idx" ON "audit_log" ("actor_key_id", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_log_target_idx" ON "audit_log" ("target_type", "target_id", "id") `);
    await queryRunner.query(`ALTER TABLE "customers" ADD "erased_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "erased_at"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_target_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_actor_idx"`);
    await queryRunner.query(`DROP INDEX "public"."audit_log_at_idx"`);
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
