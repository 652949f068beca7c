import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full run's assignments carry the snapshot their chunk read the customers under, and a run's
 * overrides the snapshot of the incremental evaluation that made them, so the reconciler asks of
 * them too whether a change was visible (docs/segmentation.md#staleness-in-commit-order) instead
 * of counting them fresh up to live_at: a change whose transaction began before the set went live
 * but committed after its chunk read the customer, with its evaluation job lost, was missed.
 */
export class FullRunSnapshots1797743000000 implements MigrationInterface {
  name = 'FullRunSnapshots1797743000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segmentation_run_overrides" ADD "read_snapshot" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segmentation_run_overrides" DROP COLUMN "read_snapshot"`);
  }
}
