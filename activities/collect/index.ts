import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { PipelineMetrics } from '../../observability/pipeline-metrics';
import { RunSourceEntity, SourceEntity } from '../../db/entities';
import type { SourceResult } from '../../workflows/types';
import { errorMessage, SourceDisabledError, SourceError } from './errors';
import { normalizeItem, type NormalizedItem } from './normalize';
import type { Source } from './sources/types';
import { storeItemPage } from './store-items';

export interface CollectActivityDeps {
  db: DataSource;
  /** Builds a Source from a spec; throws SourceSpecError for a bad spec. */
  createSource: (spec: string) => Source;
  pageSize?: number;
  /** Counts items per source for Prometheus (observability/pipeline-metrics.ts). */
  metrics?: Pick<PipelineMetrics, 'collected'>;
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

/** The source's row (created on first use, enabled); a disabled or removed source is refused before any request. */
async function ensureSource(db: DataSource, source: Source): Promise<SourceEntity> {
  await db.createQueryBuilder().insert().into(SourceEntity).values({ spec: source.spec, kind: source.kind }).orIgnore().execute();
  const row = await db.getRepository(SourceEntity).findOneByOrFail({ spec: source.spec });
  if (row.deletedAt) {
    throw new SourceDisabledError(source.spec, `source ${source.spec} was removed on ${row.deletedAt.toISOString()}; add it again (trendflow sources add, POST /api/v1/sources) to collect it`);
  }
  if (!row.enabled) {
    throw new SourceDisabledError(source.spec, `source ${source.spec} is disabled; enable it (PATCH /api/v1/sources/${row.id} {"enabled":true}) to collect it`);
  }
  return row;
}

/** The collect stage: one activity per source per run, storing items page by page. */
export function createCollectActivities({ db, createSource, pageSize = 500, metrics }: CollectActivityDeps) {
  return {
    async collectSource({ runId, spec }: { runId: string; spec: string }): Promise<SourceResult> {
      const ctx = Context.current();
      const counts = { fetched: 0, inserted: 0, duplicates: 0, skipped: 0 };
      let nearDuplicates = 0;
      let sourceId: number | undefined;
      let source: Source;
      try {
        source = createSource(spec);
        const sourceRow = await ensureSource(db, source);
        sourceId = sourceRow.id;
        // The stored cursor lets the source skip what earlier runs collected (conditional GET, seen ids).
        for await (const raw of source.fetchPages({ signal: ctx.cancellationSignal, pageSize, cursor: sourceRow.cursor })) {
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
          nearDuplicates += stored.nearDuplicates;
          ctx.heartbeat({ ...counts, nearDuplicates });
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
          await db.getRepository(SourceEntity).update({ id: sourceId }, { lastError: errorMessage(err).slice(0, 2000) });
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
      // Only now, with every page stored, may the high-water mark move: a failed attempt refetches the same items.
      const cursor = source.cursor;
      await db.query(
        `UPDATE sources SET last_collected_at = now(), last_error = NULL, cursor = coalesce($2::jsonb, cursor) WHERE id = $1`,
        [sourceId, cursor === undefined ? null : JSON.stringify(cursor)],
      );
      metrics?.collected(spec, counts);
      return result;
    },
  };
}

export type CollectActivities = ReturnType<typeof createCollectActivities>;
