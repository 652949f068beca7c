import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Dead letters and replays: when a delivery died, how many times it was replayed and the attempt
 * count at the last replay (attempts since then count against the retry policy, so a replay gets
 * a full set of attempts while `attempts` keeps the whole history); a partial index pages the
 * dead letters.
 */
export class DeliveryReplays1796840000000 implements MigrationInterface {
    name = 'DeliveryReplays1796840000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "attempts_at_replay" integer NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "replays" integer NOT NULL DEFAULT '0'`);
        await queryRunner.query(`ALTER TABLE "deliveries" ADD "dead_at" TIMESTAMP WITH TIME ZONE`);
        await queryRunner.query(`CREATE INDEX "deliveries_dead_idx" ON "deliveries" ("id") WHERE status = 'dead'`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."deliveries_dead_idx"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "dead_at"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "replays"`);
        await queryRunner.query(`ALTER TABLE "deliveries" DROP COLUMN "attempts_at_replay"`);
    }

}
