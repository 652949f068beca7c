import { MigrationInterface, QueryRunner } from 'typeorm';

/** Stalls and failed attempts per segmentation chunk, so a run's progress can show a chunk being retried. */
export class ChunkTrouble1796000000000 implements MigrationInterface {
  name = 'ChunkTrouble1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" ADD "stalls" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" ADD "failures" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" ADD "last_error" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" DROP COLUMN "last_error"`);
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" DROP COLUMN "failures"`);
    await queryRunner.query(`ALTER TABLE "segmentation_chunks" DROP COLUMN "stalls"`);
  }
}
