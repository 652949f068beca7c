import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The behaviour safety net (customers whose events their last recompute did not read: a lost
 * job) asked whether computed_at < received_at, two transaction start times, which do not order
 * commits: a recompute that began after an event's transaction, but read before it committed,
 * looked as if it had counted it. Now each event carries its inserting transaction (xact_id, as
 * persona_history does) and each customer_behaviour row the snapshot its facts were read under
 * (read_snapshot, as text), so the check asks Postgres whether that transaction was visible to that
 * snapshot. On the partitioned parent, so every partition (and each new one) has it. xact_id is
 * added without a default first, then given one: a volatile default on ADD COLUMN would rewrite
 * every partition. Rows from before stay NULL and keep the timestamp comparison.
 */
export class EventsSeenInCommitOrder1797741000000 implements MigrationInterface {
  name = 'EventsSeenInCommitOrder1797741000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "touchpoint_events" ADD "xact_id" bigint`);
    await queryRunner.query(`ALTER TABLE "touchpoint_events" ALTER COLUMN "xact_id" SET DEFAULT ((pg_current_xact_id())::text)::bigint`);
    await queryRunner.query(`ALTER TABLE "customer_behaviour" ADD "read_snapshot" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "customer_behaviour" DROP COLUMN "read_snapshot"`);
    await queryRunner.query(`ALTER TABLE "touchpoint_events" DROP COLUMN "xact_id"`);
  }
}
