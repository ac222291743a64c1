import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { parseSourceSpec } from '../activities/collect/sources/spec';
import { SourceEntity } from '../db/entities';
import { AppError, NotFoundError } from './errors';

/**
 * Sources as data: the `sources` table behind `GET/POST/PATCH/DELETE /api/v1/sources` and
 * `trendflow sources`. A run's collect step also creates rows for specs it meets the first time.
 *
 * Removal: a source no item references is deleted; one with items is soft-deleted (`deleted_at` set,
 * disabled) so the items keep their provenance. Removed sources are gone from lists and from
 * GET/PATCH/DELETE by id (`?include=deleted` lists them); adding the spec again restores the row, cursor
 * included. Collecting a disabled or removed spec fails that source with SourceDisabledError.
 */

/** Thrown when a spec is added twice. */
export class SourceConflictError extends AppError {
  override name = 'SourceConflictError';
  constructor(spec: string, id: number) {
    super(`source ${JSON.stringify(spec)} already exists as source ${id}`, 409, 'Conflict', { id, spec });
  }
}

/** A spec as the API and CLI accept it: trimmed, parsed (SourceSpecError messages become validation issues). */
export const sourceSpecSchema = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((spec, ctx) => {
    try {
      parseSourceSpec(spec);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  })
  .describe('a source spec, e.g. hn:top, reddit:rust/top?t=day, rss:https://…; see the README');

/** Body of POST /sources (and `trendflow sources add`). */
export const createSourceSchema = z
  .object({
    spec: sourceSpecSchema,
    enabled: z.boolean().default(true).describe('false: stored, but runs refuse to collect it until enabled'),
  })
  .strict();

/** Body of PATCH /sources/:id. */
export const patchSourceSchema = z
  .object({
    enabled: z.boolean().optional(),
    resetCursor: z.literal(true).optional().describe('forget the high-water mark: the next run fetches everything again'),
  })
  .strict()
  .refine((p) => p.enabled !== undefined || p.resetCursor !== undefined, 'give enabled and/or resetCursor');

/** `:id` of the sources routes. */
export const sourceIdSchema = z.object({ id: z.coerce.number().int().positive('not a source id') });

/** Query of GET /sources. */
export const listSourcesQuery = z.object({
  kind: z.string().max(40).optional(),
  enabled: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  include: z.literal('deleted').optional().describe('also list removed sources'),
});

/** A source as the API shows it: the cursor summarised (its `seen` list can hold thousands of ids). */
export interface SourceView {
  id: number;
  spec: string;
  kind: string;
  enabled: boolean;
  items: number;
  cursor: { etag?: string; lastModified?: string; newest?: string | number; seen: number };
  lastCollectedAt: string | null;
  lastError: string | null;
  createdAt: string;
  deletedAt: string | null;
}

type Row = SourceEntity & { items: number };

function view(row: Row): SourceView {
  const c = row.cursor ?? {};
  const str = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  const newest = typeof c['newest'] === 'string' || typeof c['newest'] === 'number' ? c['newest'] : undefined;
  return {
    id: row.id,
    spec: row.spec,
    kind: row.kind,
    enabled: row.enabled,
    items: row.items,
    cursor: {
      ...(str('etag') && { etag: str('etag') }),
      ...(str('lastModified') && { lastModified: str('lastModified') }),
      ...(newest !== undefined && { newest }),
      seen: Array.isArray(c['seen']) ? c['seen'].length : 0,
    },
    lastCollectedAt: row.lastCollectedAt?.toISOString() ?? null,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    deletedAt: row.deletedAt?.toISOString() ?? null,
  };
}

async function rows(db: DataSource, where: { id?: number; spec?: string; kind?: string; enabled?: boolean; includeDeleted?: boolean }): Promise<Row[]> {
  const q = db
    .getRepository(SourceEntity)
    .createQueryBuilder('s')
    .addSelect('(SELECT count(*)::int FROM items i WHERE i.source_id = s.id)', 's_items')
    .orderBy('s.id');
  if (where.id !== undefined) q.andWhere('s.id = :id', { id: where.id });
  if (where.spec !== undefined) q.andWhere('s.spec = :spec', { spec: where.spec });
  if (where.kind !== undefined) q.andWhere('s.kind = :kind', { kind: where.kind });
  if (where.enabled !== undefined) q.andWhere('s.enabled = :enabled', { enabled: where.enabled });
  if (!where.includeDeleted) q.andWhere('s.deleted_at IS NULL');
  const { entities, raw } = await q.getRawAndEntities<{ s_items: number }>();
  return entities.map((e, i) => Object.assign(e, { items: raw[i]?.s_items ?? 0 }));
}

/** Sources, oldest first, with item counts; removed ones only with `include: 'deleted'`. */
export async function listSources(db: DataSource, filter: Partial<z.output<typeof listSourcesQuery>> = {}): Promise<SourceView[]> {
  return (await rows(db, { kind: filter.kind, enabled: filter.enabled, includeDeleted: filter.include === 'deleted' })).map(view);
}

/** One source; removed ones only with `includeDeleted`. */
export async function getSource(db: DataSource, id: number, includeDeleted = false): Promise<SourceView> {
  const [row] = await rows(db, { id, includeDeleted });
  if (!row) throw new NotFoundError('source', String(id));
  return view(row);
}

/** A source by id (digits) or exact spec, for the CLI; removed ones are not found. */
export async function findSource(db: DataSource, ref: string): Promise<SourceView> {
  const [row] = /^\d+$/.test(ref) ? await rows(db, { id: Number(ref) }) : await rows(db, { spec: ref });
  if (!row) throw new NotFoundError('source', ref);
  return view(row);
}

/** Adds a spec; a removed one is restored (`restored: true`); an existing one is a SourceConflictError. */
export async function addSource(db: DataSource, input: z.infer<typeof createSourceSchema>): Promise<{ source: SourceView; restored: boolean }> {
  const { spec, enabled } = input;
  const kind = parseSourceSpec(spec).kind;
  const repo = db.getRepository(SourceEntity);
  const inserted = await db.createQueryBuilder().insert().into(SourceEntity).values({ spec, kind, enabled }).orIgnore().returning(['id']).execute();
  const existing = await repo.findOneByOrFail({ spec });
  if (inserted.raw.length > 0) return { source: await getSource(db, existing.id), restored: false };
  if (!existing.deletedAt) throw new SourceConflictError(spec, existing.id);
  await repo.update({ id: existing.id }, { deletedAt: null, enabled });
  return { source: await getSource(db, existing.id), restored: true };
}

/** Enables/disables a source and/or forgets its cursor; 404 for unknown or removed ones. */
export async function updateSource(db: DataSource, id: number, patch: z.infer<typeof patchSourceSchema>): Promise<SourceView> {
  await getSource(db, id); // 404 for unknown and removed sources
  await db.query(
    `UPDATE sources SET enabled = coalesce($2, enabled), cursor = CASE WHEN $3 THEN '{}'::jsonb ELSE cursor END WHERE id = $1`,
    [id, patch.enabled ?? null, patch.resetCursor === true],
  );
  return getSource(db, id);
}

/** Deletes a source without items; soft-deletes one with items (see the module comment). */
export async function removeSource(db: DataSource, id: number): Promise<{ removed: 'deleted' | 'soft-deleted'; source: SourceView }> {
  const source = await getSource(db, id);
  try {
    if (source.items === 0) {
      await db.getRepository(SourceEntity).delete({ id });
      return { removed: 'deleted', source };
    }
  } catch (err) {
    // Items were stored since the count: 23001 restrict_violation (the FK is ON DELETE RESTRICT), 23503 if it were NO ACTION.
    // The database decides, so a collect storing items at this moment cannot slip through.
    const code = pgCode(err);
    if (code !== '23001' && code !== '23503') throw err;
  }
  await db.getRepository(SourceEntity).update({ id }, { deletedAt: new Date(), enabled: false });
  return { removed: 'soft-deleted', source: await getSource(db, id, true) };
}

/** The Postgres error code of a TypeORM QueryFailedError (or the pg error itself). */
function pgCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e.driverError?.code ?? e.code;
  return typeof code === 'string' ? code : undefined;
}
