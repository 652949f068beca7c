import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per worker process, rewritten every WORKER_HEARTBEAT_SECONDS: the api's readiness fails
 * when no row is recent (no worker is taking jobs). Postgres, not Redis, so a flushed Redis does
 * not make every worker look gone. No entity: rows are written and read by plain queries.
 */
export class WorkerHeartbeats1797130000000 implements MigrationInterface {
  name = 'WorkerHeartbeats1797130000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "worker_heartbeats" (
         "id" uuid NOT NULL,
         "host" text NOT NULL,
         "pid" integer NOT NULL,
         "queues" text[] NOT NULL,
         "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "last_seen" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "PK_worker_heartbeats" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "worker_heartbeats_last_seen_idx" ON "worker_heartbeats" ("last_seen")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "worker_heartbeats"`);
  }
}
