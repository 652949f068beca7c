import { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Touchpoints and treatments: the journey (stages, touchpoints), treatments, webhook destinations,
 * published strategies, touchpoint events with their outbox, decisions and deliveries. Seeds the
 * default stages and the built-in `persona_changed` touchpoint (literals: migrations are frozen).
 */
export class Treatments1796800000000 implements MigrationInterface {
    name = 'Treatments1796800000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "journey_stages" ("key" text NOT NULL, "name" text NOT NULL, "position" integer NOT NULL, CONSTRAINT "PK_c08151e5f21d1b321c07b74cd2a" PRIMARY KEY ("key"))`);
        await queryRunner.query(`CREATE TABLE "touchpoints" ("key" text NOT NULL, "name" text NOT NULL, "stage_key" text NOT NULL, "channel" text NOT NULL, "major" boolean NOT NULL DEFAULT false, "moment_of_truth" boolean NOT NULL DEFAULT false, "owner" text NOT NULL DEFAULT '', "description" text NOT NULL DEFAULT '', "built_in" boolean NOT NULL DEFAULT false, "position" integer NOT NULL, "event_properties" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ad6d1cea87854a490cba43aff5f" PRIMARY KEY ("key"))`);
        await queryRunner.query(`CREATE INDEX "touchpoints_stage_idx" ON "touchpoints" ("stage_key", "position") `);
        await queryRunner.query(`CREATE TABLE "treatments" ("key" text NOT NULL, "name" text NOT NULL, "description" text NOT NULL DEFAULT '', "type" text NOT NULL, "channel" text NOT NULL, "config" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_97bba6acb68ed0382b68ffa758e" PRIMARY KEY ("key"))`);
        await queryRunner.query(`CREATE TABLE "destinations" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "name" text NOT NULL, "url" text NOT NULL, "secret_encrypted" text NOT NULL, "timeout_ms" integer NOT NULL DEFAULT '5000', "rate_limit_per_second" integer, "enabled" boolean NOT NULL DEFAULT true, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_69c5e8db964dcb83d3a0640f3c7" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE UNIQUE INDEX "destinations_name_key" ON "destinations" ("name") `);
        await queryRunner.query(`CREATE TABLE "strategy_versions" ("version" integer NOT NULL, "document" jsonb NOT NULL, "published_by" uuid, "published_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_46aa719c6a2feaa932f0c54c222" PRIMARY KEY ("version"))`);
        await queryRunner.query(`CREATE TABLE "touchpoint_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "source" text NOT NULL, "idempotency_key" text NOT NULL, "touchpoint_key" text NOT NULL, "customer_id" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "properties" jsonb NOT NULL DEFAULT '{}', "correlation_id" text, CONSTRAINT "PK_00bb0776500e58485f0c6871e61" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "touchpoint_events_customer_idx" ON "touchpoint_events" ("customer_id", "occurred_at") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "touchpoint_events_idempotency_key" ON "touchpoint_events" ("source", "idempotency_key") `);
        await queryRunner.query(`CREATE TABLE "outbox" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "topic" text NOT NULL, "ref" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "relayed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_340ab539f309f03bdaa14aa7649" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "outbox_unrelayed_idx" ON "outbox" ("id") WHERE relayed_at IS NULL`);
        await queryRunner.query(`CREATE TABLE "decisions" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "event_id" bigint NOT NULL, "touchpoint_key" text NOT NULL, "customer_id" bigint NOT NULL, "persona_key" text, "persona_set_version" integer, "strategy_version" integer, "option_index" integer, "treatment_key" text, "outcome" text NOT NULL, "reasons" jsonb NOT NULL DEFAULT '[]', "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_48eee6fa229cd5e43648f6a2ec3" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "decisions_customer_idx" ON "decisions" ("customer_id", "decided_at") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "decisions_event_touchpoint_key" ON "decisions" ("event_id", "touchpoint_key") `);
        await queryRunner.query(`CREATE TABLE "deliveries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "decision_id" bigint NOT NULL, "event_id" bigint NOT NULL, "customer_id" bigint NOT NULL, "treatment_key" text NOT NULL, "treatment_type" text NOT NULL, "channel" text NOT NULL, "moment_of_truth" boolean NOT NULL DEFAULT false, "webhook_id" text NOT NULL, "destination_id" uuid, "connection_id" uuid, "status" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "request" jsonb NOT NULL DEFAULT '{}', "last_status_code" integer, "last_error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a6ef225c5c5f0974e503bfb731f" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "deliveries_due_idx" ON "deliveries" ("status", "next_attempt_at") WHERE status IN ('held', 'pending', 'retrying')`);
        await queryRunner.query(`CREATE INDEX "deliveries_customer_channel_idx" ON "deliveries" ("customer_id", "channel", "created_at") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "deliveries_webhook_id_key" ON "deliveries" ("webhook_id") `);
        await queryRunner.query(`CREATE UNIQUE INDEX "deliveries_decision_treatment_key" ON "deliveries" ("decision_id", "treatment_key") `);
        await queryRunner.query(`INSERT INTO "journey_stages" ("key", "name", "position") VALUES
            ('awareness', 'Awareness', 1), ('consideration', 'Consideration', 2), ('purchase', 'Purchase', 3),
            ('onboarding', 'Onboarding and delivery', 4), ('service', 'Service', 5), ('loyalty', 'Loyalty and renewal', 6)`);
        await queryRunner.query(`INSERT INTO "touchpoints" ("key", "name", "stage_key", "channel", "major", "moment_of_truth", "owner", "description", "built_in", "position", "event_properties")
            VALUES ('persona_changed', 'Persona changed', 'service', 'crm', false, false, 'Corridor', 'Raised by Corridor when a customer''s live persona changes (event properties: from, to, cause).', true, 1,
            '[{"name": "from", "type": "string"}, {"name": "to", "type": "string"}, {"name": "cause", "type": "string"}]')`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP INDEX "public"."deliveries_decision_treatment_key"`);
        await queryRunner.query(`DROP INDEX "public"."deliveries_webhook_id_key"`);
        await queryRunner.query(`DROP INDEX "public"."deliveries_customer_channel_idx"`);
        await queryRunner.query(`DROP INDEX "public"."deliveries_due_idx"`);
        await queryRunner.query(`DROP TABLE "deliveries"`);
        await queryRunner.query(`DROP INDEX "public"."decisions_event_touchpoint_key"`);
        await queryRunner.query(`DROP INDEX "public"."decisions_customer_idx"`);
        await queryRunner.query(`DROP TABLE "decisions"`);
        await queryRunner.query(`DROP INDEX "public"."outbox_unrelayed_idx"`);
        await queryRunner.query(`DROP TABLE "outbox"`);
        await queryRunner.query(`DROP INDEX "public"."touchpoint_events_idempotency_key"`);
        await queryRunner.query(`DROP INDEX "public"."touchpoint_events_customer_idx"`);
        await queryRunner.query(`DROP TABLE "touchpoint_events"`);
        await queryRunner.query(`DROP TABLE "strategy_versions"`);
        await queryRunner.query(`DROP INDEX "public"."destinations_name_key"`);
        await queryRunner.query(`DROP TABLE "destinations"`);
        await queryRunner.query(`DROP TABLE "treatments"`);
        await queryRunner.query(`DROP INDEX "public"."touchpoints_stage_idx"`);
        await queryRunner.query(`DROP TABLE "touchpoints"`);
        await queryRunner.query(`DROP TABLE "journey_stages"`);
    }

}
