import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * deliveries.notice: what a delivered delivery's admin should know although it succeeded (a
 * Salesforce task made without Task.Corridor_Delivery_Id__c, so not exactly once). Nullable, no
 * default: adding it to the partitioned table rewrites nothing.
 */
export class DeliveryNotice1797720000000 implements MigrationInterface {
  name = 'DeliveryNotice1797720000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deliveries" ADD "notice" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "notice"`);
  }
}
