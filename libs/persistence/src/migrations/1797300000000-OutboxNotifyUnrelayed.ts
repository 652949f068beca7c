import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox trigger wakes the relays only when a statement inserted a row they have to relay. A
 * statement-level trigger fires even when the statement inserted nothing (an ingest of duplicates,
 * a decision with no pending delivery), and the decide job now writes its deliveries' outbox rows
 * stamped relayed (it enqueues their dispatch itself): neither should wake every relay for nothing.
 */
export class OutboxNotifyUnrelayed1797300000000 implements MigrationInterface {
  name = 'OutboxNotifyUnrelayed1797300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "outbox_notify" ON "outbox"`);
    await queryRunner.query(
      `CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM inserted WHERE relayed_at IS NULL) THEN PERFORM pg_notify('corridor_outbox', ''); END IF; RETURN NULL; END $$`,
    );
    await queryRunner.query(`CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "outbox_notify" ON "outbox"`);
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('corridor_outbox', ''); RETURN NULL; END $$`);
    await queryRunner.query(`CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"()`);
  }
}
