import { connect, makeArrowTable } from '@lancedb/lancedb';
import { VectorDimensionError, VectorStoreError } from './errors';
import {
  createTable,
  describeTable,
  ensureIndexes,
  fromRow,
  lanceTableName,
  latestPerId,
  openIfExists,
  scrollColumns,
  sqlString,
  STORE,
  tableSchema,
  toHit,
  toRow,
  toStoreError,
  validateRecord,
  whereClause,
  withRetry,
  wrap,
  type OpenTable,
} from './lancedb-table';
import type { VectorStore } from './vector-store';

export { lanceTableName } from './lancedb-table';

const DELETE_CHUNK = 500;
/** How long close() waits for a running compaction or index build. */
const MAINTENANCE_CLOSE_WAIT_MS = 10_000;

/** Options for createLanceDbStore. */
export interface LanceDbStoreOptions {
  /**
   * Directory holding one Lance table per model. An object-store URI works too, but there the first
   * upsert for a model must not race between processes (see createTable).
   */
  path: string;
  /** How stale a read may be, in seconds; 0 (default) re-checks on every read so the API and workers see each other's writes. */
  readConsistencyIntervalSeconds?: number;
  /**
   * Compact and index a table after this many upserts from this process (default 50): many small merges leave
   * many small fragments, and new rows are searched exhaustively until folded into the indexes.
   */
  optimizeEveryUpserts?: number;
  /** Rows from which a table gets an ANN vector index (default 50,000); below it filtered search stays exact. */
  vectorIndexMinRows?: number;
  /** Told when a compaction fails; compaction is housekeeping, so the upsert that triggered it still succeeds. */
  onOptimizeError?: (error: VectorStoreError) => void;
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
  const vectorIndexMinRows = options.vectorIndexMinRows ?? 50_000;
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
    const pending = wrap('openTable', () => describeTable(table, modelId));
    tables.set(modelId, pending);
    pending.catch(() => tables.delete(modelId)); // a failed open must not poison the cache
    return pending;
  }

  /** Drops a cached handle after a failed read, so a table another process dropped and rebuilt is reopened next time. */
  function forget(modelId: string): (error: unknown) => never {
    return (error) => {
      tables.delete(modelId);
      throw error;
    };
  }

  // Maintenance runs in the background, one at a time per table: building an index over 100k rows takes
  // about a minute, longer than an upsert (inside an embed activity) should block. close() waits for it, briefly.
  const maintenance = new Map<OpenTable, Promise<void>>();
  function compact(handle: OpenTable): void {
    if (maintenance.has(handle)) return;
    const run = (async () => {
      try {
        await withRetry('optimize', () => handle.table.optimize());
        await withRetry('optimize', () => ensureIndexes(handle.table, vectorIndexMinRows));
      } catch (error) {
        options.onOptimizeError?.(toStoreError('optimize', error));
      } finally {
        maintenance.delete(handle);
      }
    })();
    maintenance.set(handle, run);
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
        rows.map((r) => toRow(r, handle.columns)),
        { schema: handle.schema },
      );
      // Merging on id makes retries (ours and Temporal's) overwrite instead of duplicating.
      await withRetry('upsert', () =>
        handle.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
      );
      handle.upserts += 1;
      if (handle.upserts % optimizeEvery === 0) compact(handle);
    },

    async search(modelId, vector, limit, filter) {
      assertOpen('search');
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`limit must be an integer >= 0, got ${limit}`);
      whereClause(filter); // validates the filter even when the table does not exist yet
      const handle = await open(modelId);
      if (!handle || limit === 0) return [];
      const where = whereClause(filter, handle);
      if (vector.length !== handle.dims) {
        throw new VectorDimensionError(STORE, 'search', modelId, handle.dims, vector.length);
      }
      // ef and refineFactor only matter once the table has its HNSW index (ensureIndexes): on the dev headlines
      // they lift recall@10 from 0.93 to 1.0 for ~0.5 ms (bench/results/vector-recall.json). No-ops before.
      let query = handle.table
        .vectorSearch(vector)
        .distanceType('cosine')
        .ef(Math.max(100, limit))
        .refineFactor(2)
        .select(['id', '_distance'])
        .limit(limit);
      if (where) query = query.where(where);
      const rows: unknown[] = await wrap('search', () => query.toArray()).catch(forget(modelId));
      return rows.map(toHit);
    },

    // Offset paging in Lance's storage order: stable while nobody writes, which is how reindex uses it.
    async scroll(modelId, { limit, after }) {
      assertOpen('scroll');
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be an integer >= 1, got ${limit}`);
      const offset = after === undefined ? 0 : Number(after);
      if (!Number.isInteger(offset) || offset < 0) throw new TypeError(`not a scroll cursor of this store: ${after}`);
      const handle = await open(modelId);
      if (!handle) return { records: [] };
      const query = handle.table.query().select(scrollColumns(handle.columns)).offset(offset).limit(limit);
      const rows: unknown[] = await wrap('scroll', () => query.toArray());
      const records = rows.map(fromRow);
      return records.length === limit ? { records, next: String(offset + limit) } : { records };
    },

    async drop(modelId) {
      assertOpen('drop');
      const name = lanceTableName(modelId);
      const cached = tables.get(modelId);
      tables.delete(modelId);
      const handle = await cached?.catch(() => undefined);
      handle?.table.close();
      if ((await wrap('drop', () => db.tableNames())).includes(name)) await wrap('drop', () => db.dropTable(name));
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
      return handle ? wrap('count', () => handle.table.countRows()).catch(forget(modelId)) : 0;
    },

    async ping() {
      assertOpen('ping');
      await wrap('ping', () => db.tableNames({ limit: 1 }));
    },

    async close() {
      if (closed) return;
      closed = true;
      // Bounded: an index build can take minutes and must not hold up a worker's shutdown. Lance commits
      // atomically, so a build cut short by the exit leaves the table as it was, to be redone next time.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(maintenance.values()),
        new Promise((resolve) => (timer = setTimeout(resolve, MAINTENANCE_CLOSE_WAIT_MS).unref())),
      ]);
      clearTimeout(timer);
      const handles = await Promise.allSettled(tables.values());
      for (const h of handles) if (h.status === 'fulfilled') h.value.table.close();
      tables.clear();
      db.close();
    },
  };
}
