import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795458755669 implements MigrationInterface {
    name = 'Foundation1795458755669'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" text NOT NULL, "role" text NOT NULL, "prefix" text NOT NULL, "secret_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys" ("prefix") `);
        await queryRunner.query(`CREATE TABLE "assignments" ("set_version" integer NOT NULL, "customer_id" bigint NOT NULL, "persona_id" uuid NOT NULL, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_06758be65534f797888c3c9cae2" PRIMARY KEY ("set_version", "customer_id")) PARTITION BY LIST ("set_version")`);
        await queryRunner.query(`CREATE TABLE "attributes" ("name" text NOT NULL, "type" text NOT NULL, "enum_values" jsonb, "source" text NOT NULL, "label" text, "description" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_89afb34fd1fdb2ceb1cea6c57df" PRIMARY KEY ("name"))`);
        await queryRunner.query(`CREATE TABLE "connections" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "kind" text NOT NULL, "name" text NOT NULL, "credentials_encrypted" text, "settings" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_0a1f844af3122354cbd487a8d03" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE TABLE "customer_aliases" ("connection_id" uuid NOT NULL, "external_id" text NOT NULL, "customer_id" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4e8aab8321603d8c26d82cd4e4a" PRIMARY KEY ("connection_id", "external_id"))`);
        await queryRunner.query(`CREATE TABLE "customers" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "connection_id" uuid NOT NULL, "crm_object" text NOT NULL DEFAULT 'contact', "external_id" text NOT NULL, "email" text, "attributes" jsonb NOT NULL DEFAULT '{}', "content_hash" text NOT NULL, "crm_modified_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "merged_into_id" bigint, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "data_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_133ec679a801fab5e070f73d3ea" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "customers_email_idx" ON "customers" ("email") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "customers_connection_external_key" ON "customers" ("connection_id", "external_id") `);
        await queryRunner.query(`CREATE TABLE "persona_history" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "customer_id" bigint NOT NULL, "from_persona_id" uuid, "to_persona_id" uuid NOT NULL, "set_version" integer NOT NULL, "cause" text NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "xact_id" bigint NOT NULL DEFAULT ((pg_current_xact_id())::text)::bigint, CONSTRAINT "PK_e282b5a8eb849819bc8fa6b4d12" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "persona_history_customer_idx" ON "persona_history" ("customer_id", "id") `);
        await queryRunner.query(`CREATE INDEX "persona_history_feed_idx" ON "persona_history" ("xact_id", "id") `);
        await queryRunner.query(`CREATE TABLE "persona_sets" ("version" integer NOT NULL, "members" jsonb NOT NULL, "catalog" jsonb NOT NULL DEFAULT '[]', "time_zone" text NOT NULL, "status" text NOT NULL, "reason" text NOT NULL DEFAULT 'publish', "published_by" uuid, "published_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "live_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_36bbe69202dd0e30454b173ec77" PRIMARY KEY ("version"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "persona_sets_one_live" ON "persona_sets" ("status") WHERE status = 'live'`);
        await queryRunner.query(`CREATE TABLE "persona_versions" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "persona_id" uuid NOT NULL, "version" integer NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "description" text NOT NULL, "priority" integer, "enabled" boolean NOT NULL, "is_fallback" boolean NOT NULL, "rule" jsonb, "change" text NOT NULL, "changed_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_795ecaf8bc20ec61f62f697e662" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "persona_versions_persona_version_key" ON "persona_versions" ("persona_id", "version") `);
        await queryRunner.query(`CREATE TABLE "personas" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "key" text NOT NULL, "name" text NOT NULL, "description" text NOT NULL DEFAULT '', "priority" integer, "enabled" boolean NOT NULL DEFAULT true, "is_fallback" boolean NOT NULL DEFAULT false, "rule" jsonb, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "archived_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_714aa5d028f8f3e6645e971cecd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "personas_key_key" ON "personas" ("key") `);
        await queryRunner.query(`CREATE TABLE "segmentation_chunks" ("run_id" uuid NOT NULL, "chunk" integer NOT NULL, "from_id" bigint NOT NULL, "to_id" bigint NOT NULL, "done" boolean NOT NULL DEFAULT false, "customers" integer NOT NULL DEFAULT '0', "counts" jsonb, "processed_by" text, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_87d147d7654eebc46d754709171" PRIMARY KEY ("run_id", "chunk"))`);
        await queryRunner.query(`CREATE TABLE "segmentation_run_overrides" ("run_id" uuid NOT NULL, "customer_id" bigint NOT NULL, "persona_id" uuid, CONSTRAINT "PK_segmentation_run_overrides" PRIMARY KEY ("run_id", "customer_id"))`);
        await queryRunner.query(`CREATE TABLE "segmentation_runs" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "kind" text NOT NULL, "status" text NOT NULL, "set_version" integer, "baseline_version" integer, "draft" jsonb, "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "total" integer NOT NULL DEFAULT '0', "chunks_total" integer NOT NULL DEFAULT '0', "result" jsonb, "error" text, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_796b63e11e0b0981a4a7e5e127a" PRIMARY KEY ("id"))`);

        // Hand-written below the generated part: seed data every installation starts with. Frozen as
        // literals (IMPORT_CONNECTION_ID and CANONICAL_ATTRIBUTES as they were when this was written):
        // a migration must not change when application code does; later changes get a migration.
        await queryRunner.query(
          `INSERT INTO "connections" ("id", "kind", "name") VALUES ('00000000-0000-4000-8000-000000000001', 'import', 'File import')`,
        );
        const canonicalAttributes: Array<[name: string, type: string, enumValues: string | null]> = [
          ['email', 'string', null],
          ['first_name', 'string', null],
          ['last_name', 'string', null],
          ['company', 'string', null],
          ['job_title', 'string', null],
          ['lead_status', 'string', null],
          ['country', 'string', null],
          ['city', 'string', null],
          ['industry', 'string', null],
          ['lifecycle_stage', 'enum', '["subscriber","lead","marketing_qualified_lead","sales_qualified_lead","opportunity","customer","evangelist","other"]'],
          ['annual_revenue', 'number', null],
          ['employees', 'number', null],
          ['total_revenue', 'number', null],
          ['orders_count', 'number', null],
          ['created_at', 'date', null],
          ['updated_at', 'date', null],
          ['last_purchase_at', 'date', null],
          ['tags', 'string_list', null],
          ['email_opt_out', 'boolean', null],
        ];
        for (const [name, type, enumValues] of canonicalAttributes) {
          await queryRunner.query(
            `INSERT INTO "attributes" ("name", "type", "enum_values", "source") VALUES ($1, $2, $3, 'canonical')`,
            [name, type, enumValues],
          );
        }
        // Every customer has exactly one persona from the start: a lone fallback in live set 1.
        const [{ id: personaId }] = await queryRunner.query(
          `INSERT INTO "personas" ("key", "name", "description", "priority", "is_fallback", "rule")
           VALUES ('everyone_else', 'Everyone else', 'Customers no other persona matches.', NULL, true, NULL) RETURNING "id"`,
        );
        const [{ id: versionId }] = await queryRunner.query(
          `INSERT INTO "persona_versions" ("persona_id", "version", "key", "name", "description", "priority", "enabled", "is_fallback", "rule", "change")
           VALUES ($1, 1, 'everyone_else', 'Everyone else', 'Customers no other persona matches.', NULL, true, true, NULL, 'create') RETURNING "id"`,
          [personaId],
        );
        const members = [
          { personaId, personaVersionId: versionId, version: 1, key: 'everyone_else', name: 'Everyone else', priority: null, isFallback: true, rule: null },
        ];
        await queryRunner.query(
          `INSERT INTO "persona_sets" ("version", "members", "time_zone", "status", "live_at") VALUES (1, $1, 'UTC', 'live', now())`,
          [JSON.stringify(members)],
        );
        await queryRunner.query(`CREATE TABLE "assignments_v1" PARTITION OF "assignments" FOR VALUES IN (1)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE "segmentation_runs"`);
        await queryRunner.query(`DROP TABLE "segmentation_run_overrides"`);
        await queryRunner.query(`DROP TABLE "segmentation_chunks"`);
        await queryRunner.query(`DROP INDEX "public"."personas_key_key"`);
        await queryRunner.query(`DROP TABLE "personas"`);
        await queryRunner.query(`DROP INDEX "public"."persona_versions_persona_version_key"`);
        await queryRunner.query(`DROP TABLE "persona_versions"`);
        await queryRunner.query(`DROP INDEX "public"."persona_sets_one_live"`);
        await queryRunner.query(`DROP TABLE "persona_sets"`);
        await queryRunner.query(`DROP INDEX "public"."persona_history_feed_idx"`);
        await queryRunner.query(`DROP INDEX "public"."persona_history_customer_idx"`);
        await queryRunner.query(`DROP TABLE "persona_history"`);
        await queryRunner.query(`DROP INDEX "public"."customers_connection_external_key"`);
        await queryRunner.query(`DROP INDEX "public"."customers_email_idx"`);
        await queryRunner.query(`DROP TABLE "customers"`);
        await queryRunner.query(`DROP TABLE "customer_aliases"`);
        await queryRunner.query(`DROP TABLE "connections"`);
        await queryRunner.query(`DROP TABLE "attributes"`);
        await queryRunner.query(`DROP TABLE "assignments"`);
        await queryRunner.query(`DROP INDEX "public"."api_keys_prefix_key"`);
        await queryRunner.query(`DROP TABLE "api_keys"`);
    }

}
