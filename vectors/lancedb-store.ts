import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { connect, makeArrowTable, type Connection, type Table } from '@lancedb/lancedb';
import { DataType, Field, FixedSizeList, Float32, Float64, Schema, Utf8 } from 'apache-arrow';
import { errorMessage, VectorDimensionError, VectorStoreError } from './errors';
import type { VectorHit, VectorRecord, VectorSearchFilter, VectorStore } from './vector-store';

const STORE = 'lancedb';
const MAX_ATTEMPTS = 5;
const DELETE_CHUNK = 500;
/**
 * Field metadata that `Table.setUnenforcedPrimaryKey('id')` would write. Without a primary key, Lance lets two
 * concurrent merge-inserts of the same new id both insert (duplicates); with it, it detects the conflict and
 * retries. Set in the creation schema so no process ever writes to the table without it.
 */
const PRIMARY_KEY_METADATA = 'lance-schema:unenforced-primary-key:position';
const MODEL_ID_METADATA = 'trendflow.model_id';
/** Messages of Lance commit failures that a later attempt can win (its own internal retries gave up). */
const RETRYABLE = /commit conflict|too many concurrent|version conflict|still conflicting|retry later/i;

/** Options for createLanceDbStore. */
export interface LanceDbStoreOptions {
  /**
   * Directory holding one Lance table per model. An object-store URI works too, but there the first
   * upsert for a model must not race between processes (see createTable).
   */
  path: string;
  /** How stale a read may be, in seconds; 0 (default) re-checks on every read so the API and workers see each other's writes. */
  readConsistencyIntervalSeconds?: number;
  /** Compact a table after this many upserts from this process (default 50); many small merges leave many small fragments. */
  optimizeEveryUpserts?: number;
  /** Told when a compaction fails; compaction is housekeeping, so the upsert that triggered it still succeeds. */
  onOptimizeError?: (error: VectorStoreError) => void;
}

interface OpenTable {
  table: Table;
  schema: Schema;
  dims: number;
  upserts: number;
}

/** Table name for a model: `use-lite-512` → `items_use_lite_512`. */
export function lanceTableName(modelId: string): string {
  if (modelId.trim() === '') throw new TypeError('modelId must be a non-empty string');
  return `items_${modelId.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`;
}

/** Opens (or creates) a LanceDB directory; tables are created lazily on the first upsert for a model. */
export async function createLanceDbStore(options: LanceDbStoreOptions): Promise<VectorStore> {
  const interval = options.readConsistencyIntervalSeconds ?? 0;
  if (!Number.isFinite(interval) || interval < 0) {
    throw new TypeError(`readConsistencyIntervalSeconds must be a finite number >= 0, got ${interval}`);
  }
  const optimizeEvery = options.optimizeEveryUpserts ?? 50;
  if (!Number.isInteger(optimizeEvery) || optimizeEvery < 1) {
    throw new TypeError(`optimizeEveryUpserts must be an integer >= 1, got ${optimizeEvery}`);
  }
  const db = await wrap('connect', () => connect(options.path, { readConsistencyInterval: interval }));
  // Keyed by model id, not table name, so a second model id that sanitises to the same name still gets
  // the ownership check in describe(). Promises, so concurrent first calls share one open/create.
  const tables = new Map<string, Promise<OpenTable>>();
  let closed = false;

  function assertOpen(operation: string): void {
    if (closed) throw new VectorStoreError(STORE, operation, 'store is closed');
  }

  /** The cached handle, else the table on disk, else (given `createWithDims`) a new table, else undefined. */
  function open(modelId: string): Promise<OpenTable | undefined>;
  function open(modelId: string, createWithDims: number): Promise<OpenTable>;
  async function open(modelId: string, createWithDims?: number): Promise<OpenTable | undefined> {
    const name = lanceTableName(modelId);
    const cached = tables.get(modelId);
    if (cached) return cached;
    const table = await wrap('openTable', async () => {
      const found = await openIfExists(db, name);
      if (found || createWithDims === undefined) return found;
      return createTable(db, options.path, name, tableSchema(createWithDims, modelId));
    });
    if (!table) return undefined; // not cached: another process may create it any moment
    const raced = tables.get(modelId); // a concurrent call of ours got there while we awaited
    if (raced) {
      table.close();
      return raced;
    }
    const pending = wrap('openTable', () => describe(table, modelId));
    tables.set(modelId, pending);
    pending.catch(() => tables.delete(modelId)); // a failed open must not poison the cache
    return pending;
  }

  async function compact(handle: OpenTable): Promise<void> {
    try {
      await handle.table.optimize();
    } catch (error) {
      options.onOptimizeError?.(toStoreError('optimize', error));
    }
  }

  return {
    kind: STORE,

    async upsert(modelId, records) {
      assertOpen('upsert');
      const rows = latestPerId(records);
      const first = rows[0];
      if (!first) return;
      for (const r of rows) validateRecord(modelId, r, first.vector.length);
      const handle = await open(modelId, first.vector.length);
      if (handle.dims !== first.vector.length) {
        throw new VectorDimensionError(STORE, 'upsert', modelId, handle.dims, first.vector.length);
      }
      const data = makeArrowTable(
        rows.map((r) => ({ id: r.id, vector: r.vector, source: r.source, published_at: r.publishedAt })),
        { schema: handle.schema },
      );
      // Merging on id makes retries (ours and Temporal's) overwrite instead of duplicating.
      await withRetry('upsert', () =>
        handle.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
      );
      handle.upserts += 1;
      if (handle.upserts % optimizeEvery === 0) await compact(handle);
    },

    async search(modelId, vector, limit, filter) {
      assertOpen('search');
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`limit must be an integer >= 0, got ${limit}`);
      const where = whereClause(filter);
      const handle = await open(modelId);
      if (!handle || limit === 0) return [];
      if (vector.length !== handle.dims) {
        throw new VectorDimensionError(STORE, 'search', modelId, handle.dims, vector.length);
      }
      let query = handle.table.vectorSearch(vector).distanceType('cosine').select(['id', '_distance']).limit(limit);
      if (where) query = query.where(where);
      const rows: unknown[] = await wrap('search', () => query.toArray());
      return rows.map(toHit);
    },

    async delete(modelId, ids) {
      assertOpen('delete');
      const handle = await open(modelId);
      if (!handle) return;
      const unique = [...new Set(ids)];
      for (let i = 0; i < unique.length; i += DELETE_CHUNK) {
        const list = unique.slice(i, i + DELETE_CHUNK).map(sqlString).join(', ');
        await withRetry('delete', () => handle.table.delete(`id IN (${list})`));
      }
    },

    async count(modelId) {
      assertOpen('count');
      const handle = await open(modelId);
      return handle ? wrap('count', () => handle.table.countRows()) : 0;
    },

    async ping() {
      assertOpen('ping');
      await wrap('ping', () => db.tableNames({ limit: 1 }));
    },

    async close() {
      if (closed) return;
      closed = true;
      const handles = await Promise.allSettled(tables.values());
      for (const h of handles) if (h.status === 'fulfilled') h.value.table.close();
      tables.clear();
      db.close();
    },
  };
}

function tableSchema(dims: number, modelId: string): Schema {
  return new Schema(
    [
      new Field('id', new Utf8(), false, new Map([[PRIMARY_KEY_METADATA, '1']])),
      new Field('vector', new FixedSizeList(dims, new Field('item', new Float32(), true)), false),
      new Field('source', new Utf8(), false),
      // Float64 holds epoch milliseconds exactly and avoids BigInt conversions that Int64 would force.
      new Field('published_at', new Float64(), false),
    ],
    new Map([[MODEL_ID_METADATA, modelId]]),
  );
}

/** Reads the dimension back from the stored schema and refuses a table that belongs to another model id. */
async function describe(table: Table, modelId: string): Promise<OpenTable> {
  const schema = await table.schema();
  const owner = schema.metadata.get(MODEL_ID_METADATA);
  if (owner !== undefined && owner !== modelId) {
    throw new VectorStoreError(STORE, 'open', `table ${table.name} belongs to model ${owner}, not ${modelId}`);
  }
  const vectorType = schema.fields.find((f) => f.name === 'vector')?.type;
  if (!DataType.isFixedSizeList(vectorType)) {
    throw new VectorStoreError(STORE, 'open', `table ${table.name} has no fixed-size vector column`);
  }
  return { table, schema, dims: vectorType.listSize, upserts: 0 };
}

/**
 * Creates a table so that racing worker processes cannot hurt each other. Lance commits a new table as an
 * "Overwrite"; with several processes calling createEmptyTable (even with existOk) we saw such commits land
 * on top of an existing table and fail other writers' upserts, and Lance lets an Overwrite win over
 * concurrent appends/updates, i.e. it can empty the table. So each process builds the empty table in a
 * private directory and renames it into place: rename onto a non-empty directory fails, so exactly one
 * process wins and the others open the winner's table.
 */
async function createTable(db: Connection, dbPath: string, name: string, schema: Schema): Promise<Table> {
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
async function openIfExists(db: Connection, name: string): Promise<Table | undefined> {
  try {
    return await db.openTable(name);
  } catch {
    if (!(await db.tableNames()).includes(name)) return undefined;
    // Listed now: either another process renamed it into place since our attempt, or it is broken and
    // this second attempt throws the real error.
    return db.openTable(name);
  }
}

/** Last record wins: a batch with a repeated id would otherwise insert both rows (neither matches yet). */
function latestPerId(records: VectorRecord[]): VectorRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

function validateRecord(modelId: string, r: VectorRecord, dims: number): void {
  if (r.id === '') throw new TypeError('record id must be non-empty');
  if (!Number.isFinite(r.publishedAt)) throw new TypeError(`record ${r.id}: publishedAt must be finite`);
  if (dims === 0) throw new TypeError(`record ${r.id}: vector is empty`);
  // Lance accepts a wrong-length vector into a fixed-size column without complaint, so we check ourselves.
  if (r.vector.length !== dims) throw new VectorDimensionError(STORE, 'upsert', modelId, dims, r.vector.length);
}

function whereClause(filter: VectorSearchFilter | undefined): string | undefined {
  const parts: string[] = [];
  if (filter?.source !== undefined) parts.push(`source = ${sqlString(filter.source)}`);
  if (filter?.fromMs !== undefined) parts.push(`published_at >= ${sqlNumber('fromMs', filter.fromMs)}`);
  if (filter?.toMs !== undefined) parts.push(`published_at <= ${sqlNumber('toMs', filter.toMs)}`);
  return parts.length > 0 ? parts.join(' AND ') : undefined;
}

/** Lance's SQL treats backslash literally, so doubling single quotes is the whole escape. */
function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlNumber(name: string, value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`filter.${name} must be a finite number, got ${value}`);
  return String(value);
}

function toHit(row: unknown): VectorHit {
  if (typeof row === 'object' && row !== null && 'id' in row && '_distance' in row) {
    const { id, _distance: distance } = row;
    // Lance's cosine distance is 1 - cosine similarity.
    if (typeof id === 'string' && typeof distance === 'number') return { id, score: 1 - distance };
  }
  throw new VectorStoreError(STORE, 'search', 'unexpected row shape from LanceDB');
}

async function withRetry<T>(operation: string, fn: () => Promise<T>): Promise<T> {
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

async function wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}

function toStoreError(operation: string, error: unknown): VectorStoreError {
  if (error instanceof VectorStoreError) return error;
  const message = errorMessage(error);
  return new VectorStoreError(STORE, operation, message, { cause: error });
}
