import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (salted SHA-256 hashes only; see services/api-keys.ts). Generated from db/entities/api-key.ts
 * with TypeORM's schema builder; test/integration/schema.test.ts proves they still match.
 */
export class ApiKeys1763940000000 implements MigrationInterface {
  name = 'ApiKeys1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"api_keys\" (\"id\" SERIAL NOT NULL, \"name\" text NOT NULL, \"prefix\" text NOT NULL, \"salt\" text NOT NULL, \"hash\" text NOT NULL, \"scope\" text NOT NULL DEFAULT 'write', \"rate_limit\" integer, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"last_used_at\" TIMESTAMP WITH TIME ZONE, \"revoked_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_5c8a79801b44bd27b79228e1dad\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE UNIQUE INDEX \"api_keys_active_name_idx\" ON \"api_keys\" (\"name\") WHERE \"revoked_at\" IS NULL");
    await q.query("CREATE INDEX \"api_keys_prefix_idx\" ON \"api_keys\" (\"prefix\") ");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS "public"."api_keys_prefix_idx"');
    await q.query('DROP INDEX IF EXISTS "public"."api_keys_active_name_idx"');
    await q.query('DROP TABLE IF EXISTS "api_keys"');
  }
}
