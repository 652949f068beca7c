import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reconciler (and the behaviour recompute's retry check) called an assignment stale when the
 * customer's data or behaviour changed after it was evaluated, comparing transaction start times,
 * which do not order commits: an evaluation that began after a change's transaction, but read
 * before it committed, looked newer than the change it never saw, and the customer never looked
 * stale again once that change's evaluation job was lost. Now the changes carry their transaction
 * (customers.data_xact_id, customer_behaviour.changed_xact_id) and an incremental evaluation's
 * assignment the snapshot it read under (read_snapshot, as text), so staleness asks Postgres
 * whether the change was visible to that snapshot. data_xact_id gets a default (new customers) after
 * it is added, which then costs no rewrite; updates set it to DEFAULT with data_changed_at.
 * changed_xact_id has none: a row marked for a first computation has changed nothing yet. Rows from
 * before, and a full run's rows, keep the timestamp comparison.
 */
export class AssignmentsSeenInCommitOrder1797742000000 implements MigrationInterface {
  name = 'AssignmentsSeenInCommitOrder1797742000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "customers" ADD "data_xact_id" bigint`);
    await queryRunner.query(`ALTER TABLE "customers" ALTER COLUMN "data_xact_id" SET DEFAULT ((pg_current_xact_id())::text)::bigint`);
    await queryRunner.query(`ALTER TABLE "customer_behaviour" ADD "changed_xact_id" bigint`);
    await queryRunner.query(`ALTER TABLE "assignments" ADD "read_snapshot" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "assignments" DROP COLUMN "read_snapshot"`);
    await queryRunner.query(`ALTER TABLE "customer_behaviour" DROP COLUMN "changed_xact_id"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "data_xact_id"`);
  }
}
