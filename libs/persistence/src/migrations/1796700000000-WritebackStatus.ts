import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Write-back status per connection (last permanent error, blocked while its target fields are
 * missing), the CRM's current values of the write-back fields per customer (no redundant writes),
 * and each sync run's window and cancellation.
 */
export class WritebackStatus1796700000000 implements MigrationInterface {
  name = 'WritebackStatus1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "last_error_code" text`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "last_error" text`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "last_error_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "blocked_code" text`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "blocked_reason" text`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "blocked_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "blocked_settings" text`);
    await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" ADD "recheck_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "customers" ADD "crm_writeback_values" jsonb`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD "window_from" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD "window_to" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "sync_runs" ADD "cancel_requested_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "cancel_requested_at"`);
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "window_to"`);
    await queryRunner.query(`ALTER TABLE "sync_runs" DROP COLUMN "window_from"`);
    await queryRunner.query(`ALTER TABLE "customers" DROP COLUMN "crm_writeback_values"`);
    for (const c of ['recheck_at', 'blocked_settings', 'blocked_at', 'blocked_reason', 'blocked_code', 'last_error_at', 'last_error', 'last_error_code']) {
      await queryRunner.query(`ALTER TABLE "crm_writeback_cursors" DROP COLUMN "${c}"`);
    }
  }
}
