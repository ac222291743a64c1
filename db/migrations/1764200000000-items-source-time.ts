import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-source time indexes for the near-duplicate check, which reads other sources' items of a time
 * window: with time-only indexes it scanned every item of the window, the collecting source's own
 * included, once per page — quadratic when a backfill lands in one window (bench/README.md, e2e).
 */
export class ItemsSourceTime1764200000000 implements MigrationInterface {
  name = 'ItemsSourceTime1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "items_source_published_idx" ON "items" ("source_id", "published_at") `);
    await q.query(`CREATE INDEX "items_source_collected_idx" ON "items" ("source_id", "collected_at") `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."items_source_collected_idx"`);
    await q.query(`DROP INDEX "public"."items_source_published_idx"`);
  }
}
