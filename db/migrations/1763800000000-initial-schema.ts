import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: sources, items, embeddings, runs (+ per-source results and run items), trends,
 * trend membership, per-run cluster assignments and summaries. Generated from the entities with
 * TypeORM's schema builder; test/integration/schema.test.ts proves they still match.
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"sources\" (\"id\" SERIAL NOT NULL, \"spec\" text NOT NULL, \"kind\" text NOT NULL, \"enabled\" boolean NOT NULL DEFAULT true, \"cursor\" jsonb NOT NULL DEFAULT '{}'::jsonb, \"last_collected_at\" TIMESTAMP WITH TIME ZONE, \"last_error\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"UQ_8e25c18cf7eb32a62d67fb2242c\" UNIQUE (\"spec\"), CONSTRAINT \"PK_85523beafe5a2a6b90b02096443\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE TABLE \"items\" (\"id\" BIGSERIAL NOT NULL, \"source_id\" integer NOT NULL, \"external_id\" text, \"url\" text NOT NULL, \"canonical_url\" text NOT NULL, \"title\" text NOT NULL, \"text\" text NOT NULL DEFAULT '', \"author\" text, \"published_at\" TIMESTAMP WITH TIME ZONE, \"collected_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"content_hash\" character(64) NOT NULL, \"metadata\" jsonb NOT NULL DEFAULT '{}'::jsonb, CONSTRAINT \"UQ_6c10ae1a35edd3de73aa0f6ca5a\" UNIQUE (\"canonical_url\"), CONSTRAINT \"UQ_b306732884b9329462b18a8e23a\" UNIQUE (\"content_hash\"), CONSTRAINT \"PK_ba5885359424c15ca6b9e79bcf6\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"items_published_at_idx\" ON \"items\" (\"published_at\") ");
    await q.query("CREATE TABLE \"embeddings\" (\"model_id\" text NOT NULL, \"content_hash\" character(64) NOT NULL, \"dims\" integer NOT NULL, \"vector\" bytea NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_b99644b3a26df069b1492a9ec8a\" PRIMARY KEY (\"model_id\", \"content_hash\"))");
    await q.query("CREATE TABLE \"runs\" (\"id\" text NOT NULL, \"status\" text NOT NULL, \"trigger\" text NOT NULL DEFAULT 'api', \"params\" jsonb NOT NULL, \"window_from\" TIMESTAMP WITH TIME ZONE, \"window_to\" TIMESTAMP WITH TIME ZONE, \"stats\" jsonb NOT NULL DEFAULT '{}'::jsonb, \"error\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"finished_at\" TIMESTAMP WITH TIME ZONE, CONSTRAINT \"PK_46d6a1e257c38ba58f1a3c30836\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"runs_created_at_idx\" ON \"runs\" (\"created_at\") ");
    await q.query("CREATE TABLE \"run_sources\" (\"run_id\" text NOT NULL, \"spec\" text NOT NULL, \"status\" text NOT NULL, \"fetched\" integer NOT NULL DEFAULT '0', \"inserted\" integer NOT NULL DEFAULT '0', \"duplicates\" integer NOT NULL DEFAULT '0', \"skipped\" integer NOT NULL DEFAULT '0', \"error_type\" text, \"error\" text, CONSTRAINT \"PK_f5912dc732b5e0a91aef7ebe8bc\" PRIMARY KEY (\"run_id\", \"spec\"))");
    await q.query("CREATE TABLE \"run_items\" (\"run_id\" text NOT NULL, \"item_id\" bigint NOT NULL, \"is_new\" boolean NOT NULL, CONSTRAINT \"PK_7834938c6dc50257d72c1d3e0d8\" PRIMARY KEY (\"run_id\", \"item_id\"))");
    await q.query("CREATE TABLE \"trends\" (\"id\" SERIAL NOT NULL, \"status\" text NOT NULL DEFAULT 'active', \"label\" text NOT NULL DEFAULT '', \"keywords\" jsonb NOT NULL DEFAULT '[]'::jsonb, \"size\" integer NOT NULL DEFAULT '0', \"source_count\" integer NOT NULL DEFAULT '0', \"cohesion\" real NOT NULL DEFAULT '0', \"first_seen\" TIMESTAMP WITH TIME ZONE, \"last_seen\" TIMESTAMP WITH TIME ZONE, \"membership_hash\" character(64), \"representative_ids\" jsonb NOT NULL DEFAULT '[]'::jsonb, \"created_run_id\" text NOT NULL, \"updated_run_id\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_4de18eea43d948e5ea66520e0e8\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE TABLE \"trend_members\" (\"item_id\" bigint NOT NULL, \"trend_id\" integer NOT NULL, \"similarity\" real NOT NULL, \"run_id\" text NOT NULL, CONSTRAINT \"PK_f300dff6da5f0e93f5e9a34af1b\" PRIMARY KEY (\"item_id\"))");
    await q.query("CREATE INDEX \"trend_members_trend_idx\" ON \"trend_members\" (\"trend_id\") ");
    await q.query("CREATE TABLE \"cluster_assignments\" (\"run_id\" text NOT NULL, \"item_id\" bigint NOT NULL, \"trend_id\" integer, CONSTRAINT \"PK_385e85a46b7cac3502ca926d55f\" PRIMARY KEY (\"run_id\", \"item_id\"))");
    await q.query("CREATE TABLE \"summaries\" (\"trend_id\" integer NOT NULL, \"membership_hash\" character(64) NOT NULL, \"title\" text NOT NULL, \"summary\" text NOT NULL, \"key_points\" jsonb NOT NULL DEFAULT '[]'::jsonb, \"entities\" jsonb NOT NULL DEFAULT '[]'::jsonb, \"method\" text NOT NULL, \"model\" text NOT NULL, \"prompt_version\" text NOT NULL, \"tokens\" jsonb, \"run_id\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_1cc9ff04eba391f2af670e454cc\" PRIMARY KEY (\"trend_id\"))");
    await q.query("ALTER TABLE \"items\" ADD CONSTRAINT \"FK_310bb69adbba3002f97773ca374\" FOREIGN KEY (\"source_id\") REFERENCES \"sources\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"run_sources\" ADD CONSTRAINT \"FK_e7b4f3c3ecd2ab73ba5734c12af\" FOREIGN KEY (\"run_id\") REFERENCES \"runs\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"run_items\" ADD CONSTRAINT \"FK_c5bd4456b6ce01ed1412976da99\" FOREIGN KEY (\"run_id\") REFERENCES \"runs\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"run_items\" ADD CONSTRAINT \"FK_4a12c78a3a5ed111ae751386225\" FOREIGN KEY (\"item_id\") REFERENCES \"items\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"trend_members\" ADD CONSTRAINT \"FK_2dcfb3452d5af463a1174a6b48b\" FOREIGN KEY (\"trend_id\") REFERENCES \"trends\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"trend_members\" ADD CONSTRAINT \"FK_f300dff6da5f0e93f5e9a34af1b\" FOREIGN KEY (\"item_id\") REFERENCES \"items\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"cluster_assignments\" ADD CONSTRAINT \"FK_924ee4fd78b826dd5191c934e83\" FOREIGN KEY (\"run_id\") REFERENCES \"runs\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"summaries\" ADD CONSTRAINT \"FK_1cc9ff04eba391f2af670e454cc\" FOREIGN KEY (\"trend_id\") REFERENCES \"trends\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS "summaries"');
    await q.query('DROP TABLE IF EXISTS "cluster_assignments"');
    await q.query('DROP TABLE IF EXISTS "trend_members"');
    await q.query('DROP TABLE IF EXISTS "trends"');
    await q.query('DROP TABLE IF EXISTS "run_items"');
    await q.query('DROP TABLE IF EXISTS "run_sources"');
    await q.query('DROP TABLE IF EXISTS "runs"');
    await q.query('DROP TABLE IF EXISTS "embeddings"');
    await q.query('DROP TABLE IF EXISTS "items"');
    await q.query('DROP TABLE IF EXISTS "sources"');
  }
}
