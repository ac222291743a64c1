import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import { RunSourceEntity, SourceEntity } from '../../db/entities';
import type { SourceResult } from '../../workflows/types';
import { SourceError } from './errors';
import { normalizeItem, type NormalizedItem } from './normalize';
import type { Source } from './sources/types';
import { storeItemPage } from './store-items';

export interface CollectActivityDeps {
  db: DataSource;
  /** Builds a Source from a spec; throws SourceSpecError for a bad spec. */
  createSource: (spec: string) => Source & { readonly stats?: { skipped: number } };
  pageSize?: number;
}

/** Maps source errors onto Temporal's retry semantics: permanent ones fail fast. */
function toFailure(err: unknown): unknown {
  if (!(err instanceof SourceError)) return err;
  const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: !err.retryable,
    nextRetryDelay: retryAfterMs !== undefined ? retryAfterMs : undefined,
    cause: err,
  });
}

async function ensureSource(db: DataSource, source: Source): Promise<number> {
  await db.createQueryBuilder().insert().into(SourceEntity).values({ spec: source.spec, kind: source.kind }).orIgnore().execute();
  const row = await db.getRepository(SourceEntity).findOneByOrFail({ spec: source.spec });
  return row.id;
}

/** The collect stage: one activity per source per run, storing items page by page. */
export function createCollectActivities({ db, createSource, pageSize = 500 }: CollectActivityDeps) {
  return {
    async collectSource({ runId, spec }: { runId: string; spec: string }): Promise<SourceResult> {
      const ctx = Context.current();
      const counts = { fetched: 0, inserted: 0, duplicates: 0, skipped: 0 };
      let sourceId: number | undefined;
      try {
        const source = createSource(spec);
        sourceId = await ensureSource(db, source);
        for await (const raw of source.fetchPages({ signal: ctx.cancellationSignal, pageSize })) {
          counts.fetched += raw.length;
          const page: NormalizedItem[] = [];
          for (const r of raw) {
            const item = normalizeItem(r);
            if (item) page.push(item);
            else counts.skipped++;
          }
          const stored = await storeItemPage(db, runId, sourceId, page);
          counts.inserted += stored.inserted;
          counts.duplicates += stored.duplicates;
          ctx.heartbeat(counts);
        }
        const invalid = counts.skipped;
        counts.skipped += source.stats?.skipped ?? 0; // rows the source itself could not read
        // Recount new items from what is stored, so an attempt that follows a crash reports them as new too.
        const [row] = await db.query(
          `SELECT count(*)::int AS n FROM run_items ri JOIN items i ON i.id = ri.item_id
           WHERE ri.run_id = $1 AND ri.is_new AND i.source_id = $2`,
          [runId, sourceId],
        );
        counts.inserted = (row as { n: number }).n;
        counts.duplicates = Math.max(0, counts.fetched - invalid - counts.inserted);
      } catch (err) {
        if (sourceId !== undefined) {
          await db.getRepository(SourceEntity).update({ id: sourceId }, { lastError: String((err as Error).message).slice(0, 2000) });
        }
        throw toFailure(err);
      }
      const result: SourceResult = { spec, status: 'ok', ...counts };
      await db
        .createQueryBuilder()
        .insert()
        .into(RunSourceEntity)
        .values({ runId, ...result, errorType: null, error: null })
        .orUpdate(['status', 'fetched', 'inserted', 'duplicates', 'skipped', 'error_type', 'error'], ['run_id', 'spec'])
        .execute();
      await db.getRepository(SourceEntity).update({ id: sourceId }, { lastCollectedAt: new Date(), lastError: null });
      return result;
    },
  };
}

export type CollectActivities = ReturnType<typeof createCollectActivities>;
