import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trend identity events (trend_events), per-run LLM spending (run_llm_usage) and the lifecycle
 * columns of trends. Generated with TypeORM's schema builder against a database at the previous
 * migration; test/integration/schema.test.ts proves entities and migrations still match.
 */
export class TrendLifecycle1763920000000 implements MigrationInterface {
  name = 'TrendLifecycle1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query("CREATE TABLE \"trend_events\" (\"id\" SERIAL NOT NULL, \"run_id\" text NOT NULL, \"kind\" text NOT NULL, \"trend_id\" integer NOT NULL, \"other_trend_id\" integer, \"items\" integer NOT NULL DEFAULT '0', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_29d706002b9df01737dfd43ebc5\" PRIMARY KEY (\"id\"))");
    await q.query("CREATE INDEX \"trend_events_run_idx\" ON \"trend_events\" (\"run_id\") ");
    await q.query("CREATE INDEX \"trend_events_trend_idx\" ON \"trend_events\" (\"trend_id\") ");
    await q.query("CREATE TABLE \"run_llm_usage\" (\"run_id\" text NOT NULL, \"calls\" integer NOT NULL DEFAULT '0', \"prompt_tokens\" integer NOT NULL DEFAULT '0', \"completion_tokens\" integer NOT NULL DEFAULT '0', \"budget_fallbacks\" integer NOT NULL DEFAULT '0', \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_044a24861716756ce828688c3af\" PRIMARY KEY (\"run_id\"))");
    await q.query("ALTER TABLE \"trends\" ADD \"merged_into_id\" integer");
    await q.query("ALTER TABLE \"trends\" ADD \"lifecycle\" text NOT NULL DEFAULT 'emerging'");
    await q.query("ALTER TABLE \"trends\" ADD \"velocity\" real NOT NULL DEFAULT '0'");
    await q.query("ALTER TABLE \"trends\" ADD \"acceleration\" real NOT NULL DEFAULT '0'");
    await q.query("ALTER TABLE \"trends\" ADD \"recent_count\" integer NOT NULL DEFAULT '0'");
    await q.query("ALTER TABLE \"trends\" ADD \"previous_count\" integer NOT NULL DEFAULT '0'");
    await q.query("ALTER TABLE \"trends\" ADD \"source_diversity\" real NOT NULL DEFAULT '0'");
    await q.query("ALTER TABLE \"trends\" ADD \"engagement\" real");
    await q.query("ALTER TABLE \"trends\" ADD \"explanation\" text NOT NULL DEFAULT ''");
    await q.query("ALTER TABLE \"trends\" ADD \"lifecycle_as_of\" TIMESTAMP WITH TIME ZONE");
    await q.query("ALTER TABLE \"trend_events\" ADD CONSTRAINT \"FK_e3dc9f16202efd64b2d43f08cf9\" FOREIGN KEY (\"run_id\") REFERENCES \"runs\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"trend_events\" ADD CONSTRAINT \"FK_db98ece70f18209bcccda7b6686\" FOREIGN KEY (\"trend_id\") REFERENCES \"trends\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await q.query("ALTER TABLE \"run_llm_usage\" ADD CONSTRAINT \"FK_044a24861716756ce828688c3af\" FOREIGN KEY (\"run_id\") REFERENCES \"runs\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS "run_llm_usage"');
    await q.query('DROP TABLE IF EXISTS "trend_events"');
    for (const column of [
      'lifecycle_as_of', 'explanation', 'engagement', 'source_diversity', 'previous_count', 'recent_count',
      'acceleration', 'velocity', 'lifecycle', 'merged_into_id',
    ]) {
      await q.query(`ALTER TABLE "trends" DROP COLUMN "${column}"`);
    }
  }
}
