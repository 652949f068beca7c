import { MigrationInterface, QueryRunner } from "typeorm";

export class CrmSync1795459570371 implements MigrationInterface {
    name = 'CrmSync1795459570371'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "sync_cursors" ("connection_id" uuid NOT NULL, "watermark" text NOT NULL, "last_run_id" uuid, "last_full_sync_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_85103f52e51682bd8909e60deb1" PRIMARY KEY ("connection_id"))`);
        await queryRunner.query(`CREATE TABLE "sync_runs" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "connection_id" uuid NOT NULL, "mode" text NOT NULL, "trigger" text NOT NULL, "status" text NOT NULL, "position" jsonb, "watermark" text, "pages" integer NOT NULL DEFAULT '0', "records" integer NOT NULL DEFAULT '0', "created" integer NOT NULL DEFAULT '0', "updated" integer NOT NULL DEFAULT '0', "unchanged" integer NOT NULL DEFAULT '0', "deleted" integer NOT NULL DEFAULT '0', "merged" integer NOT NULL DEFAULT '0', "requests" integer NOT NULL DEFAULT '0', "rate_limited" integer NOT NULL DEFAULT '0', "retries" integer NOT NULL DEFAULT '0', "total_hint" integer, "pending_evaluation" jsonb, "lease_owner" text, "lease_until" TIMESTAMP WITH TIME ZONE, "error" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_adf13fff41a683b3b991fb90b11" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "sync_runs_one_active" ON "sync_runs" ("connection_id") WHERE status IN ('queued', 'running')`);
        await queryRunner.query(`CREATE INDEX "sync_runs_connection_started_idx" ON "sync_runs" ("connection_id", "started_at") `);
        await queryRunner.query(`CREATE TABLE "webhook_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "connection_id" uuid NOT NULL, "event_id" text NOT NULL, "kind" text NOT NULL, "object_ids" jsonb NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "processed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_4cba37e6a0acb5e1fc49c34ebfd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "webhook_events_pending_idx" ON "webhook_events" ("connection_id", "id") WHERE processed_at IS NULL`);
        await queryRunner.query(`CREATE UNIQUE INDEX "webhook_events_connection_event_key" ON "webhook_events" ("connection_id", "event_id") `);
        await queryRunner.query(`CREATE TABLE "crm_writeback_cursors" ("connection_id" uuid NOT NULL, "last_history_id" bigint NOT NULL DEFAULT '0', "last_xact_id" bigint NOT NULL DEFAULT '0', "written" integer NOT NULL DEFAULT '0', "skipped" integer NOT NULL DEFAULT '0', "failed" integer NOT NULL DEFAULT '0', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_238024edcceafaab92b99a4e6e9" PRIMARY KEY ("connection_id"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "crm_writeback_cursors"`);
        await queryRunner.query(`DROP INDEX "public"."webhook_events_connection_event_key"`);
        await queryRunner.query(`DROP INDEX "public"."webhook_events_pending_idx"`);
        await queryRunner.query(`DROP TABLE "webhook_events"`);
        await queryRunner.query(`DROP INDEX "public"."sync_runs_connection_started_idx"`);
        await queryRunner.query(`DROP INDEX "public"."sync_runs_one_active"`);
        await queryRunner.query(`DROP TABLE "sync_runs"`);
        await queryRunner.query(`DROP TABLE "sync_cursors"`);
    }

}
