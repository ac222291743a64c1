import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event outbox, webhook subscriptions and their delivery log (services/events.ts, services/webhooks.ts).
 * Generated from db/entities/{event,webhook,webhook-delivery}.ts with TypeORM's schema builder;
 * test/integration/schema.test.ts proves they still match.
 */
export class EventsWebhooks1764000000000 implements MigrationInterface {
  name = 'EventsWebhooks1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"events\" (\"id\" BIGSERIAL NOT NULL, \"type\" text NOT NULL, \"run_id\" text, \"dedupe_key\" text NOT NULL, \"payload\" jsonb NOT NULL DEFAULT '{}', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_40731c7151fe4be3116e45ddf73\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE UNIQUE INDEX \"events_dedupe_key_idx\" ON \"events\" (\"dedupe_key\") ");
    await q.query("CREATE INDEX \"events_run_idx\" ON \"events\" (\"run_id\") ");
    await q.query("CREATE TABLE \"webhooks\" (\"id\" SERIAL NOT NULL, \"url\" text NOT NULL, \"events\" jsonb NOT NULL DEFAULT '[]', \"secret\" text NOT NULL, \"description\" text, \"enabled\" boolean NOT NULL DEFAULT true, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_9e8795cfc899ab7bdaa831e8527\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE TABLE \"webhook_deliveries\" (\"id\" BIGSERIAL NOT NULL, \"webhook_id\" integer NOT NULL, \"event_id\" bigint NOT NULL, \"status\" text NOT NULL DEFAULT 'pending', \"attempts\" integer NOT NULL DEFAULT '0', \"last_status_code\" integer, \"last_error\" text, \"next_retry_at\" TIMESTAMP WITH TIME ZONE, \"delivered_at\" TIMESTAMP WITH TIME ZONE, \"attempt_log\" jsonb NOT NULL DEFAULT '[]', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_535dd409947fb6d8fc6dfc0112a\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"webhook_deliveries_event_idx\" ON \"webhook_deliveries\" (\"event_id\") ");
    await q.query("CREATE UNIQUE INDEX \"webhook_deliveries_webhook_event_idx\" ON \"webhook_deliveries\" (\"webhook_id\", \"event_id\") ");
    await q.query("ALTER TABLE \"webhook_deliveries\" ADD CONSTRAINT \"FK_a0286aeb96db651efd1ae2966f2\" FOREIGN KEY (\"webhook_id\") REFERENCES \"webhooks\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"webhook_deliveries\" ADD CONSTRAINT \"FK_27d1ee90033bdafe0ffe8f1be6f\" FOREIGN KEY (\"event_id\") REFERENCES \"events\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE \"webhook_deliveries\" DROP CONSTRAINT \"FK_27d1ee90033bdafe0ffe8f1be6f\"");
    await q.query("ALTER TABLE \"webhook_deliveries\" DROP CONSTRAINT \"FK_a0286aeb96db651efd1ae2966f2\"");
    await q.query("DROP INDEX \"public\".\"webhook_deliveries_webhook_event_idx\"");
    await q.query("DROP INDEX \"public\".\"webhook_deliveries_event_idx\"");
    await q.query("DROP TABLE \"webhook_deliveries\"");
    await q.query("DROP TABLE \"webhooks\"");
    await q.query("DROP INDEX \"public\".\"events_run_idx\"");
    await q.query("DROP INDEX \"public\".\"events_dedupe_key_idx\"");
    await q.query("DROP TABLE \"events\"");
  }
}
