import { MigrationInterface, QueryRunner } from "typeorm";

/** The strategy draft's revisions (cells and contact policies), insert-only; the highest is the draft. */
export class StrategyDrafts1796810000000 implements MigrationInterface {
    name = 'StrategyDrafts1796810000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "strategy_drafts" ("revision" integer NOT NULL, "cells" jsonb NOT NULL, "policies" jsonb NOT NULL, "saved_by" uuid, "saved_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_strategy_drafts_revision" PRIMARY KEY ("revision"))`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "strategy_drafts"`);
    }
}
