import type { DataSource, EntityManager } from 'typeorm';
import type { NormalizedItem } from './normalize';

export interface StoreResult {
  inserted: number;
  duplicates: number;
}

/**
 * Stores a page of items once each and links them to the run. Unique canonical URL and content hash
 * make a retried page a no-op: conflicting rows are looked up instead of inserted.
 */
export async function storeItemPage(
  db: DataSource | EntityManager,
  runId: string,
  sourceId: number,
  page: NormalizedItem[],
): Promise<StoreResult> {
  // Drop in-page repeats first: one INSERT cannot conflict with itself on ON CONFLICT DO NOTHING safely.
  const seenUrl = new Set<string>();
  const seenHash = new Set<string>();
  const unique = page.filter((i) => {
    if (seenUrl.has(i.canonicalUrl) || seenHash.has(i.contentHash)) return false;
    seenUrl.add(i.canonicalUrl);
    seenHash.add(i.contentHash);
    return true;
  });
  if (unique.length === 0) return { inserted: 0, duplicates: page.length };

  const inserted: Array<{ id: string }> = await db.query(
    `INSERT INTO items (source_id, external_id, url, canonical_url, title, text, author, published_at, content_hash, metadata)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::jsonb[])
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      sourceId,
      unique.map((i) => i.externalId ?? null),
      unique.map((i) => i.url),
      unique.map((i) => i.canonicalUrl),
      unique.map((i) => i.title),
      unique.map((i) => i.text),
      unique.map((i) => i.author ?? null),
      unique.map((i) => (i.publishedAt ? i.publishedAt.toISOString() : null)),
      unique.map((i) => i.contentHash),
      unique.map((i) => JSON.stringify(i.metadata ?? {})),
    ],
  );
  const newIds = inserted.map((r) => r.id);
  // Everything not inserted already exists, under the same URL or the same content.
  const existing: Array<{ id: string }> = await db.query(
    `SELECT id FROM items WHERE (canonical_url = ANY($1::text[]) OR content_hash = ANY($2::text[])) AND NOT (id = ANY($3::bigint[]))`,
    [unique.map((i) => i.canonicalUrl), unique.map((i) => i.contentHash), newIds],
  );
  await db.query(
    `INSERT INTO run_items (run_id, item_id, is_new)
     SELECT $1, id, is_new FROM unnest($2::bigint[], $3::boolean[]) AS t(id, is_new)
     ON CONFLICT DO NOTHING`,
    [
      runId,
      [...newIds, ...existing.map((r) => r.id)],
      [...newIds.map(() => true), ...existing.map(() => false)],
    ],
  );
  return { inserted: newIds.length, duplicates: page.length - newIds.length };
}
