/** Table-level pieces of the LanceDB store: schema, safe creation, filters, row mapping and retries. */
import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { connect, Index, type Connection, type Table } from '@lancedb/lancedb';
import { DataType, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import { errorMessage, VectorDimensionError, VectorStoreError } from './errors';
import type { VectorHit, VectorRecord, VectorSearchFilter } from './vector-store';

export const STORE = 'lancedb';
const MAX_ATTEMPTS = 5;
/**
 * Field metadata that `Table.setUnenforcedPrimaryKey('id')` would write. Without a primary key, Lance lets two
 * concurrent merge-inserts of the same new id both insert (duplicates); with it, it detects the conflict and
 * retries. Set in the creation schema so no process ever writes to the table without it.
 */
const PRIMARY_KEY_METADATA = 'lance-schema:unenforced-primary-key:position';
const MODEL_ID_METADATA = 'trendflow.model_id';
/** Messages of Lance commit failures that a later attempt can win (its own internal retries gave up). */
const RETRYABLE = /commit conflict|too many concurrent|version conflict|still conflicting|retry later/i;
/** Payload columns added after the first release; tables created before lack them until rebuilt. */
const OPTIONAL_COLUMNS = ['language', 'trend_id'] as const;
type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number];

/** An open table with what we learnt from its schema. */
export interface OpenTable {
  table: Table;
  schema: Schema;
  dims: number;
  /** Optional payload columns this table has. */
  columns: Set<OptionalColumn>;
  upserts: number;
}

/** Table name for a model: `use-lite-512` → `items_use_lite_512`. */
export function lanceTableName(modelId: string): string {
  if (modelId.trim() === '') throw new TypeError('modelId must be a non-empty string');
  return `items_${modelId.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`;
}

export function tableSchema(dims: number, modelId: string): Schema {
  return new Schema(
    [
      new Field('id', new Utf8(), false, new Map([[PRIMARY_KEY_METADATA, '1']])),
      new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
      new Field('source', new Utf8(), false),
      // Float64 holds epoch milliseconds exactly and avoids BigInt conversions that Int64 would force.
      new Field('published_at', new Float64(), false),
      new Field('language', new Utf8(), true),
      new Field('trend_id', new Int32(), true),
    ],
    new Map([[MODEL_ID_METADATA, modelId]]),
  );
}

/** Reads the dimension back from the stored schema and refuses a table that belongs to another model id. */
export async function describeTable(table: Table, modelId: string): Promise<OpenTable> {
  const schema = await table.schema();
  const owner = schema.metadata.get(MODEL_ID_METADATA);
  if (owner !== undefined && owner !== modelId) {
    throw new VectorStoreError(STORE, 'open', `table ${table.name} belongs to model ${owner}, not ${modelId}`);
  }
  const vectorType = schema.fields.find((f) => f.name === 'vector')?.type;
  if (!DataType.isFixedSizeList(vectorType)) {
    throw new VectorStoreError(STORE, 'open', `table ${table.name} has no fixed-size vector column`);
  }
  const columns = new Set(OPTIONAL_COLUMNS.filter((c) => schema.fields.some((f) => f.name === c)));
  return { table, schema, dims: vectorType.listSize, columns, upserts: 0 };
}

/**
 * Creates a table so that racing worker processes cannot hurt each other. Lance commits a new table as an
 * "Overwrite"; with several processes calling createEmptyTable (even with existOk) we saw such commits land
 * on top of an existing table and fail other writers' upserts, and Lance lets an Overwrite win over
 * concurrent appends/updates, i.e. it can empty the table. So each process builds the empty table in a
 * private directory and renames it into place: rename onto a non-empty directory fails, so exactly one
 * process wins and the others open the winner's table.
 */
export async function createTable(db: Connection, dbPath: string, name: string, schema: Schema): Promise<Table> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dbPath)) {
    // No atomic rename on object stores; fine as long as one process writes a model first.
    return db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
  }
  const staging = path.join(dbPath, `.staging-${randomUUID()}`); // same filesystem, so rename is atomic
  try {
    const stagingDb = await connect(staging);
    try {
      (await stagingDb.createEmptyTable(name, schema)).close();
    } finally {
      stagingDb.close();
    }
    await rename(path.join(staging, `${name}.lance`), path.join(dbPath, `${name}.lance`)).catch((error: unknown) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error; // otherwise another process won
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return db.openTable(name);
}

/** Opens a table, telling "missing" apart from other failures by listing names rather than parsing error text. */
export async function openIfExists(db: Connection, name: string): Promise<Table | undefined> {
  try {
    return await db.openTable(name);
  } catch {
    if (!(await db.tableNames()).includes(name)) return undefined;
    // Listed now: either another process renamed it into place since our attempt, or it is broken and
    // this second attempt throws the real error.
    return db.openTable(name);
  }
}

/**
 * Scalar indexes on the filter columns (a bitmap for the few sources, a btree for times) let a filtered search
 * scan only the matching rows: at 10k vectors p95 fell from 27 to 9 ms (bench/results/vector-search-latency.json).
 * From `vectorIndexMinRows` on, an IVF_HNSW_SQ index replaces the exhaustive scan; below that the scan is exact
 * and fast enough. Each is created once; later optimize() calls fold new rows into them.
 */
export async function ensureIndexes(table: Table, vectorIndexMinRows: number): Promise<void> {
  const indexed = new Set((await table.listIndices()).flatMap((i) => i.columns));
  if (!indexed.has('source')) await table.createIndex('source', { config: Index.bitmap() });
  if (!indexed.has('published_at')) await table.createIndex('published_at', { config: Index.btree() });
  if (indexed.has('vector')) return;
  const rows = await table.countRows();
  if (rows < vectorIndexMinRows) return;
  // One HNSW graph per ~50k rows keeps build memory bounded; cosine, as every search asks for it.
  const numPartitions = Math.max(1, Math.round(rows / 50_000));
  await table.createIndex('vector', { config: Index.hnswSq({ distanceType: 'cosine', numPartitions }) });
}

/** Last record wins: a batch with a repeated id would otherwise insert both rows (neither matches yet). */
export function latestPerId(records: VectorRecord[]): VectorRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

export function validateRecord(modelId: string, r: VectorRecord, dims: number): void {
  if (r.id === '') throw new TypeError('record id must be non-empty');
  if (!Number.isFinite(r.publishedAt)) throw new TypeError(`record ${r.id}: publishedAt must be finite`);
  if (r.trendId !== undefined && r.trendId !== null && !Number.isInteger(r.trendId)) {
    throw new TypeError(`record ${r.id}: trendId must be an integer`);
  }
  if (dims === 0) throw new TypeError(`record ${r.id}: vector is empty`);
  // Lance accepts a wrong-length vector into a fixed-size column without complaint, so we check ourselves.
  if (r.vector.length !== dims) throw new VectorDimensionError(STORE, 'upsert', modelId, dims, r.vector.length);
}

/** The row for a record; optional columns only when the table has them (older tables do not). */
export function toRow(r: VectorRecord, columns: Set<OptionalColumn>): Record<string, unknown> {
  const row: Record<string, unknown> = { id: r.id, vector: r.vector, source: r.source, published_at: r.publishedAt };
  if (columns.has('language')) row.language = r.language ?? null;
  if (columns.has('trend_id')) row.trend_id = r.trendId ?? null;
  return row;
}

/** Columns a scroll reads back; vectors included so the caller can copy a table. */
export function scrollColumns(columns: Set<OptionalColumn>): string[] {
  return ['id', 'vector', 'source', 'published_at', ...columns];
}

export function fromRow(row: unknown): VectorRecord {
  if (typeof row !== 'object' || row === null) throw new VectorStoreError(STORE, 'scroll', 'unexpected row shape');
  const r = row as Record<string, unknown>;
  const vector = r.vector;
  const values =
    vector instanceof Float32Array
      ? vector
      : typeof vector === 'object' && vector !== null && 'toArray' in vector && typeof vector.toArray === 'function'
        ? Float32Array.from(vector.toArray() as ArrayLike<number>)
        : undefined;
  if (typeof r.id !== 'string' || !values || typeof r.source !== 'string' || typeof r.published_at !== 'number') {
    throw new VectorStoreError(STORE, 'scroll', 'unexpected row shape from LanceDB');
  }
  return {
    id: r.id,
    vector: values,
    source: r.source,
    publishedAt: r.published_at,
    language: typeof r.language === 'string' ? r.language : null,
    trendId: typeof r.trend_id === 'number' ? r.trend_id : null,
  };
}

/** A Lance SQL filter; refuses filters on columns a table predates rather than silently ignoring them. */
export function whereClause(filter: VectorSearchFilter | undefined, handle?: OpenTable): string | undefined {
  const parts: string[] = [];
  if (filter?.source !== undefined) parts.push(`source = ${sqlString(filter.source)}`);
  if (filter?.fromMs !== undefined) parts.push(`published_at >= ${sqlNumber('fromMs', filter.fromMs)}`);
  if (filter?.toMs !== undefined) parts.push(`published_at <= ${sqlNumber('toMs', filter.toMs)}`);
  if (filter?.language !== undefined) parts.push(`language = ${sqlString(filter.language)}`);
  if (filter?.trendId !== undefined) {
    if (!Number.isInteger(filter.trendId)) throw new TypeError(`filter.trendId must be an integer, got ${filter.trendId}`);
    parts.push(`trend_id = ${filter.trendId}`);
  }
  for (const [key, column] of [['language', 'language'], ['trendId', 'trend_id']] as const) {
    if (filter?.[key] !== undefined && handle && !handle.columns.has(column)) {
      throw new VectorStoreError(STORE, 'search', `table ${handle.table.name} has no ${column} column; rebuild it with \`trendflow reindex --recreate\``);
    }
  }
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

/** Lance's SQL treats backslash literally, so doubling single quotes is the whole escape. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlNumber(name: string, value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`filter.${name} must be a finite number, got ${value}`);
  return String(value);
}

export function toHit(row: unknown): VectorHit {
  if (typeof row === 'object' && row !== null && 'id' in row && '_distance' in row) {
    const { id, _distance: distance } = row;
    // Lance's cosine distance is 1 - cosine similarity.
    if (typeof id === 'string' && typeof distance === 'number') return { id, score: 1 - distance };
  }
  throw new VectorStoreError(STORE, 'search', 'unexpected row shape from LanceDB');
}

export async function withRetry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const message = errorMessage(error);
      if (attempt >= MAX_ATTEMPTS || !RETRYABLE.test(message)) throw toStoreError(operation, error);
      // Full jitter so writers that collided once do not collide again in lockstep.
      const ceiling = 50 * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * ceiling));
    }
  }
}

export async function wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}

export function toStoreError(operation: string, error: unknown): VectorStoreError {
  if (error instanceof VectorStoreError) return error;
  const message = errorMessage(error);
  return new VectorStoreError(STORE, operation, message, { cause: error });
}
