import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sources as data and richer items: `sources.deleted_at` (soft delete while items reference a source),
 * `items.language` (detected), `items.duplicate_of` (near-duplicate headline from another source,
 * linked to the item stored first) and an index on `items.collected_at` for the near-duplicate
 * time-window lookup. Generated from the entities with TypeORM's schema builder against a database at
 * the previous migration; test/integration/schema.test.ts proves they still match.
 */
export class SourcesPoliteness1763900000000 implements MigrationInterface {
  name = 'SourcesPoliteness1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "sources" ADD "deleted_at" TIMESTAMP WITH TIME ZONE');
    await q.query('ALTER TABLE "items" ADD "language" text');
    await q.query('ALTER TABLE "items" ADD "duplicate_of" bigint');
    await q.query('CREATE INDEX "items_duplicate_of_idx" ON "items" ("duplicate_of") ');
    await q.query('CREATE INDEX "items_collected_at_idx" ON "items" ("collected_at") ');
    await q.query(
      'ALTER TABLE "items" ADD CONSTRAINT "FK_ec9375d874435139a3fa441f8e8" FOREIGN KEY ("duplicate_of") REFERENCES "items"("id") ON DELETE SET NULL ON UPDATE NO ACTION',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE "items" DROP CONSTRAINT "FK_ec9375d874435139a3fa441f8e8"');
    await q.query('DROP INDEX "public"."items_collected_at_idx"');
    await q.query('DROP INDEX "public"."items_duplicate_of_idx"');
    await q.query('ALTER TABLE "items" DROP COLUMN "duplicate_of"');
    await q.query('ALTER TABLE "items" DROP COLUMN "language"');
    await q.query('ALTER TABLE "sources" DROP COLUMN "deleted_at"');
  }
}
