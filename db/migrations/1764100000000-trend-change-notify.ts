import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose rows the trend endpoints serve (list: trends + summaries; one trend: members and events too). */
const WATCHED = ['trends', 'summaries', 'trend_members', 'trend_events'];

/**
 * Every statement that writes a table the trend endpoints read sends NOTIFY `trendflow_trends_changed`,
 * so API processes can cache trend responses and drop them when (and only when) trends change, whoever
 * wrote them (pipeline activities, CLI, manual SQL). NOTIFY is delivered at commit and not at all on
 * rollback, and Postgres folds identical notifications of one transaction into one. Triggers and a
 * function only: no table, so the entities are unchanged (api/trend-changes.ts listens).
 */
export class TrendChangeNotify1764100000000 implements MigrationInterface {
  name = 'TrendChangeNotify1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE OR REPLACE FUNCTION trendflow_notify_trends_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('trendflow_trends_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$`);
    for (const table of WATCHED) {
      await q.query(
        `CREATE TRIGGER "${table}_changed_notify" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION trendflow_notify_trends_changed()`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of WATCHED) await q.query(`DROP TRIGGER IF EXISTS "${table}_changed_notify" ON "${table}"`);
    await q.query('DROP FUNCTION IF EXISTS trendflow_notify_trends_changed()');
  }
}
