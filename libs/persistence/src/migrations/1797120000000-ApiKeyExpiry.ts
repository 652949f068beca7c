import { MigrationInterface, QueryRunner } from 'typeorm';

/** Optional expiry of API keys: past it the key answers 401 API_KEY_EXPIRED (null: never expires). */
export class ApiKeyExpiry1797120000000 implements MigrationInterface {
  name = 'ApiKeyExpiry1797120000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "expires_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "expires_at"`);
  }
}
