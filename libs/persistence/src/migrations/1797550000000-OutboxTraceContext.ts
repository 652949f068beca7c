import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`) of whatever wrote an outbox row, so the relay's jobs
 * continue the request's trace across the outbox. Null when tracing is off (the default). Adding a
 * nullable column without a default is a catalog change only: no rewrite of the table.
 */
export class OutboxTraceContext1797550000000 implements MigrationInterface {
  name = 'OutboxTraceContext1797550000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox" ADD "traceparent" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "outbox" DROP COLUMN "traceparent"`);
  }
}
