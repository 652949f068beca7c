import { MigrationInterface, QueryRunner } from 'typeorm';

/** The ids a full sync run has read (per commit), so a completed full run can sweep what vanished. */
export class SyncRunSeen1796600000000 implements MigrationInterface {
    name = 'SyncRunSeen1796600000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "sync_run_seen" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "run_id" uuid NOT NULL, "external_ids" text array NOT NULL, CONSTRAINT "PK_5d4668ba89883ebee4b7f3ebed6" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "sync_run_seen_run_idx" ON "sync_run_seen" ("run_id") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."sync_run_seen_run_idx"`);
        await queryRunner.query(`DROP TABLE "sync_run_seen"`);
    }
}
