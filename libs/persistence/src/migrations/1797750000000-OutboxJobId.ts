import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The id of the job the relay put an outbox row's work in (`job_id`, stamped with `relayed_at`), and
 * an index to find an event's row by its ref among the rows that have one: the reconciler asks
 * BullMQ about each undecided event's batch job instead of re-queuing events that are merely
 * waiting behind a backlog. The index is partial (rows with a job id only), so inserting an outbox
 * row (the ingest path) costs what it did; the relay's stamp, an update that is never HOT
 * (relayed_at is indexed), adds the entry. Adding a nullable column is a catalog change only; the
 * plain CREATE INDEX locks writes to outbox while it builds: on a large live database create it by
 * hand first with CREATE INDEX CONCURRENTLY under the same name (docs/capacity.md#indexes), and
 * this migration then finds it in place.
 */
export class OutboxJobId1797750000000 implements MigrationInterface {
  name = 'OutboxJobId1797750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox" ADD "job_id" text`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "outbox_job_ref_idx" ON "outbox" ("ref") WHERE job_id IS NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "outbox_job_ref_idx"`);
    await queryRunner.query(`ALTER TABLE "outbox" DROP COLUMN "job_id"`);
  }
}
