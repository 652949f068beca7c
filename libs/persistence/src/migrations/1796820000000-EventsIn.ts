import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Events in: one cursor per consumer of the persona-change feed (write-back's per-connection
 * positions move there, as consumers `writeback:<connectionId>`), Segment sources with their
 * event → touchpoint mappings, and an index the reconciler scans (recent events without a decision).
 */
export class EventsIn1796820000000 implements MigrationInterface {
    name = 'EventsIn1796820000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "feed_cursors" ("consumer" text NOT NULL, "last_xact_id" bigint NOT NULL DEFAULT '0', "last_history_id" bigint NOT NULL DEFAULT '0', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_feed_cursors_consumer" PRIMARY KEY ("consumer"))`);
        await queryRunner.query(`CREATE TABLE "event_sources" ("key" text NOT NULL, "name" text NOT NULL, "mappings" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_event_sources_key" PRIMARY KEY ("key"))`);
        // Treatments start from now: the history before this release raises no persona_changed events.
        await queryRunner.query(`INSERT INTO "feed_cursors" ("consumer", "last_xact_id", "last_history_id")
            SELECT 'treatments', COALESCE(MAX(xact_id), 0), COALESCE(MAX(id), 0) FROM "persona_history"`);
        // Write-back's per-connection positions become consumers of the one feed.
        await queryRunner.query(`INSERT INTO "feed_cursors" ("consumer", "last_xact_id", "last_history_id", "updated_at")
            SELECT 'writeback:' || connection_id, last_xact_id, last_history_id, updated_at FROM "crm_writeback_cursors"`);
        await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" DROP COLUMN "last_xact_id"`);
        await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" DROP COLUMN "last_history_id"`);
        // Whoever writes outbox rows wakes the relays at commit (one notice per statement; Postgres folds repeats within a transaction).
        await queryRunner.query(`CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('corridor_outbox', ''); RETURN NULL; END $$`);
        await queryRunner.query(`CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"()`);
        await queryRunner.query(`CREATE INDEX "touchpoint_events_received_idx" ON "touchpoint_events" ("received_at") `);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."touchpoint_events_received_idx"`);
        await queryRunner.query(`DROP TRIGGER "outbox_notify" ON "outbox"`);
        await queryRunner.query(`DROP FUNCTION "outbox_notify"()`);
        await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "last_history_id" bigint NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "last_xact_id" bigint NOT NULL DEFAULT '0'`);
        await queryRunner.query(`UPDATE "crm_writeback_cursors" w SET last_xact_id = f.last_xact_id, last_history_id = f.last_history_id
            FROM "feed_cursors" f WHERE f.consumer = 'writeback:' || w.connection_id`);
        await queryRunner.query(`DROP TABLE "event_sources"`);
        await queryRunner.query(`DROP TABLE "feed_cursors"`);
    }
}
