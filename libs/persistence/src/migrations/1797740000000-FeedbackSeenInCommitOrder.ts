import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The feedback watchdog asked "was the customer's experience row written after this feedback was
 * received?" by comparing two transaction start times, which do not order commits: a recompute
 * that began after the feedback's transaction, but read before it committed, looked as if it had
 * seen it. Now each outcome carries its inserting transaction (xact_id, as persona_history does)
 * and each experience row the snapshot its facts were read under (read_snapshot, as text), so the
 * watchdog asks Postgres whether that transaction was visible to that snapshot.
 * xact_id is added without a default first, then given one: a volatile default on ADD COLUMN would
 * rewrite the table. Rows from before stay NULL and keep the timestamp comparison.
 */
export class FeedbackSeenInCommitOrder1797740000000 implements MigrationInterface {
  name = 'FeedbackSeenInCommitOrder1797740000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outcomes" ADD "xact_id" bigint`);
    await queryRunner.query(`ALTER TABLE "outcomes" ALTER COLUMN "xact_id" SET DEFAULT ((pg_current_xact_id())::text)::bigint`);
    await queryRunner.query(`ALTER TABLE "customer_experience" ADD "read_snapshot" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "customer_experience" DROP COLUMN "read_snapshot"`);
    await queryRunner.query(`ALTER TABLE "outcomes" DROP COLUMN "xact_id"`);
  }
}
