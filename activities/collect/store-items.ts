import type { DataSource, EntityManager } from 'typeorm';
import { matchNearDuplicates, NEAR_DUPLICATE_WINDOW_MS, timeGroups, type DuplicateCandidate, type NewItemRef } from './near-duplicates';
import type { NormalizedItem } from './normalize';

export interface StoreResult {
  inserted: number;
  duplicates: number;
  /** Inserted items linked to an earlier item of another source (`items.duplicate_of`). */
  nearDuplicates: number;
}

// One lock for every page store: the near-duplicate check must see items other collectors are storing
// at the same moment, or two sources with the same story in parallel would both stay unlinked.
const STORE_LOCK = 7_310_001;
// Bounds the candidate rows one window query may load, so a pathological backfill degrades to "fewer links", not an OOM.
const MAX_CANDIDATES = 50_000;

/**
 * Stores a page of items once each, links near-duplicate headlines to the earlier item from another
 * source, and links every item to the run. Unique canonical URL and content hash make a retried page
 * a no-op: conflicting rows are looked up instead of inserted.
 */
export async function storeItemPage(db: DataSource, runId: string, sourceId: number, page: NormalizedItem[]): Promise<StoreResult> {
  // Drop in-page repeats first: one INSERT cannot conflict with itself on ON CONFLICT DO NOTHING safely.
  const seenUrl = new Set<string>();
  const seenHash = new Set<string>();
  const unique = page.filter((i) => {
    if (seenUrl.has(i.canonicalUrl) || seenHash.has(i.contentHash)) return false;
    seenUrl.add(i.canonicalUrl);
    seenHash.add(i.contentHash);
    return true;
  });
  if (unique.length === 0) return { inserted: 0, duplicates: page.length, nearDuplicates: 0 };

  return db.transaction(async (m) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [STORE_LOCK]);
    const inserted: Array<{ id: string; content_hash: string }> = await m.query(
      `INSERT INTO items (source_id, external_id, url, canonical_url, title, text, author, published_at, content_hash, metadata, language)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::jsonb[], $11::text[])
       ON CONFLICT DO NOTHING
       RETURNING id, content_hash`,
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
        unique.map((i) => i.language),
      ],
    );
    const newIds = inserted.map((r) => r.id);
    const byHash = new Map(unique.map((i) => [i.contentHash, i]));
    const now = Date.now();
    const refs: NewItemRef[] = inserted.flatMap((r) => {
      const item = byHash.get(r.content_hash);
      return item ? [{ id: r.id, title: item.title, atMs: item.publishedAt?.getTime() ?? now }] : [];
    });
    const nearDuplicates = await linkNearDuplicates(m, sourceId, refs);

    // Everything not inserted already exists, under the same URL or the same content.
    const existing: Array<{ id: string }> = await m.query(
      `SELECT id FROM items WHERE (canonical_url = ANY($1::text[]) OR content_hash = ANY($2::text[])) AND NOT (id = ANY($3::bigint[]))`,
      [unique.map((i) => i.canonicalUrl), unique.map((i) => i.contentHash), newIds],
    );
    await m.query(
      `INSERT INTO run_items (run_id, item_id, is_new)
       SELECT $1, id, is_new FROM unnest($2::bigint[], $3::boolean[]) AS t(id, is_new)
       ON CONFLICT DO NOTHING`,
      [runId, [...newIds, ...existing.map((r) => r.id)], [...newIds.map(() => true), ...existing.map(() => false)]],
    );
    return { inserted: newIds.length, duplicates: page.length - newIds.length, nearDuplicates };
  });
}

/** Sets `duplicate_of` on new items whose headline near-duplicates another source's stored item; returns how many. */
async function linkNearDuplicates(m: EntityManager, sourceId: number, items: NewItemRef[]): Promise<number> {
  const links = new Map<string, string>();
  // Only other sources' items can be near-duplicates; with none (a one-source backfill), there is nothing to read.
  const others: Array<{ id: number }> = await m.query(`SELECT id FROM sources WHERE id <> $1`, [sourceId]);
  if (others.length === 0) return 0;
  const otherIds = others.map((s) => s.id);
  for (const group of timeGroups(items)) {
    const first = group[0];
    const last = group[group.length - 1];
    if (!first || !last) continue;
    const from = new Date(first.atMs - NEAR_DUPLICATE_WINDOW_MS).toISOString();
    const to = new Date(last.atMs + NEAR_DUPLICATE_WINDOW_MS).toISOString();
    // Two ranges so each can use its index: published time, and collected time for items without one.
    const rows: Array<{ id: string; title: string; at_ms: string }> = await m.query(
      `SELECT id, title, (extract(epoch FROM coalesce(published_at, collected_at)) * 1000)::bigint AS at_ms
         FROM items
        WHERE source_id = ANY($1::int[]) AND duplicate_of IS NULL
          AND (published_at BETWEEN $2 AND $3 OR (published_at IS NULL AND collected_at BETWEEN $2 AND $3))
        LIMIT ${MAX_CANDIDATES}`,
      [otherIds, from, to],
    );
    const candidates: DuplicateCandidate[] = rows.map((r) => ({ id: r.id, title: r.title, atMs: Number(r.at_ms) }));
    for (const [id, original] of matchNearDuplicates(group, candidates)) links.set(id, original);
  }
  if (links.size === 0) return 0;
  await m.query(
    `UPDATE items SET duplicate_of = t.original FROM unnest($1::bigint[], $2::bigint[]) AS t(id, original) WHERE items.id = t.id`,
    [[...links.keys()], [...links.values()]],
  );
  return links.size;
}
