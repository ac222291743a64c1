import type { QdrantClient, QdrantClientParams, Schemas } from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };
import { errorMessage, VectorDimensionError, VectorStoreError } from './errors';
import { qdrantPointId } from './qdrant-ids';
import type { VectorHit, VectorRecord, VectorSearchFilter, VectorStore } from './vector-store';

/** Payload fields we filter on, each with its index type; `published_at` also serves range filters. */
const PAYLOAD_INDEXES = [
  ['source', 'keyword'],
  ['language', 'keyword'],
  ['published_at', 'integer'],
  ['trend_id', 'integer'],
] as const;

export { qdrantPointId, uuidV5 } from './qdrant-ids';

const STORE = 'qdrant';
const BATCH = 256;

// The package's typings are marked ESM, so a static import fails to compile in this CommonJS build, yet the
// package ships a CommonJS build under its "require" condition; load that and check the one export we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const qdrantModule: unknown = require('@qdrant/js-client-rest');

function loadQdrantClient(mod: unknown): new (params: QdrantClientParams) => QdrantClient {
  const ctor = typeof mod === 'object' && mod !== null ? (mod as { QdrantClient?: unknown }).QdrantClient : undefined;
  if (typeof ctor !== 'function') throw new TypeError('@qdrant/js-client-rest has no QdrantClient export');
  return ctor as new (params: QdrantClientParams) => QdrantClient;
}

/** Options for createQdrantStore. */
export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /**
   * HNSW graph settings for new collections. Qdrant's defaults (m 16, ef_construct 100) suit our 512-d sentence
   * vectors; `payload_m` builds extra links per indexed payload value so filtered searches (one source, a time
   * range) stay on the graph instead of falling back to a scan.
   */
  hnsw?: { m?: number; efConstruct?: number; payloadM?: number };
}

/** Collection name for a model: `use-lite-512` → `items_use_lite_512` (same scheme as the LanceDB tables). */
export function qdrantCollectionName(modelId: string): string {
  if (modelId.trim() === '') throw new TypeError('modelId must be a non-empty string');
  return `items_${modelId.toLowerCase().replace(/[^a-z0-9_]+/g, '_')}`;
}

/** A Qdrant-backed store; collections and payload indexes are created on the first upsert for a model. */
export function createQdrantStore(options: QdrantStoreOptions): VectorStore {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new TypeError(`timeoutMs must be a positive integer`);
  const Client = loadQdrantClient(qdrantModule);
  const hnsw = options.hnsw ?? {};
  const client = new Client({
    url: options.url,
    apiKey: options.apiKey,
    timeout: timeoutMs,
    // The built-in check fires an unawaited request from the constructor and console.warns when the server is down.
    checkCompatibility: false,
  });
  // Collection name → its vector size, for collections known to exist; promises so concurrent first calls share one lookup.
  const collections = new Map<string, Promise<number>>();

  function remember(name: string, pending: Promise<number>): Promise<number> {
    collections.set(name, pending);
    pending.catch(() => collections.delete(name));
    return pending;
  }

  /** The vector size of an existing collection; undefined (and not cached) when it does not exist yet. */
  async function existingDims(name: string): Promise<number | undefined> {
    const cached = collections.get(name);
    if (cached) return cached;
    const { exists } = await client.collectionExists(name);
    return exists ? remember(name, describe(name).then((d) => d.dims)) : undefined;
  }

  function ensure(name: string, dims: number): Promise<number> {
    return collections.get(name) ?? remember(name, create(name, dims));
  }

  async function create(name: string, dims: number): Promise<number> {
    if (!(await client.collectionExists(name)).exists) {
      try {
        await client.createCollection(name, {
          vectors: { size: dims, distance: 'Cosine' },
          hnsw_config: { m: hnsw.m ?? 16, ef_construct: hnsw.efConstruct ?? 100, payload_m: hnsw.payloadM ?? 16 },
        });
      } catch (error) {
        // Another worker won the race between our check and create; its collection is just as good.
        if (!(await client.collectionExists(name)).exists) throw error;
      }
    }
    // Checked rather than created blindly, so a collection whose creator died before indexing gets its indexes.
    const info = await describe(name);
    for (const [field, schema] of PAYLOAD_INDEXES) {
      if (!info.indexed.has(field)) await client.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true });
    }
    return info.dims;
  }

  async function describe(name: string): Promise<{ dims: number; indexed: Set<string> }> {
    const info = await client.getCollection(name);
    const vectors = info.config.params.vectors;
    const size = vectors !== undefined && 'size' in vectors ? vectors.size : undefined;
    if (typeof size !== 'number') {
      throw new VectorStoreError(STORE, 'getCollection', `collection ${name} does not have a single unnamed vector`);
    }
    return { dims: size, indexed: new Set(Object.keys(info.payload_schema)) };
  }

  return {
    kind: STORE,

    async upsert(modelId, records) {
      const name = qdrantCollectionName(modelId);
      const rows = latestPerId(records);
      const first = rows[0];
      if (!first) return;
      for (const r of rows) validateRecord(modelId, r, first.vector.length);
      const dims = await wrap('upsert', () => ensure(name, first.vector.length));
      if (dims !== first.vector.length) throw new VectorDimensionError(STORE, 'upsert', modelId, dims, first.vector.length);
      const points: Schemas['PointStruct'][] = rows.map((r) => ({
        id: qdrantPointId(r.id),
        vector: Array.from(r.vector),
        // Rounded because the integer payload index skips non-integer values.
        payload: toPayload(r),
      }));
      // wait: true, so a search right after the upsert (the next pipeline stage, a test) sees the points.
      for (let i = 0; i < points.length; i += BATCH) {
        await wrap('upsert', () => client.upsert(name, { wait: true, points: points.slice(i, i + BATCH) }));
      }
    },

    async search(modelId, vector, limit, filter) {
      const name = qdrantCollectionName(modelId);
      if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`limit must be an integer >= 0, got ${limit}`);
      const qdrantFilter = toFilter(filter);
      const dims = await wrap('search', () => existingDims(name));
      if (dims === undefined || limit === 0) return [];
      if (vector.length !== dims) throw new VectorDimensionError(STORE, 'search', modelId, dims, vector.length);
      const { points } = await wrap('search', () =>
        client.query(name, { query: Array.from(vector), limit, filter: qdrantFilter, with_payload: ['item_id'] }),
      );
      return points.map(toHit);
    },

    async scroll(modelId, { limit, after }) {
      const name = qdrantCollectionName(modelId);
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be an integer >= 1, got ${limit}`);
      if ((await wrap('scroll', () => existingDims(name))) === undefined) return { records: [] };
      const page = await wrap('scroll', () =>
        client.scroll(name, { limit, offset: after, with_payload: true, with_vector: true }),
      );
      const next = page.next_page_offset;
      const records = page.points.map(toRecord);
      return next === undefined || next === null ? { records } : { records, next: String(next) };
    },

    async drop(modelId) {
      const name = qdrantCollectionName(modelId);
      collections.delete(name);
      if ((await wrap('drop', () => client.collectionExists(name))).exists) {
        await wrap('drop', () => client.deleteCollection(name));
      }
    },

    /** Asks the server for a snapshot of the model's collection; resolves to the snapshot's name once written. */
    async snapshot(modelId) {
      const name = qdrantCollectionName(modelId);
      const created = await wrap('snapshot', () => client.createSnapshot(name, { wait: true }));
      if (!created) throw new VectorStoreError(STORE, 'snapshot', `no snapshot description returned for ${name}`);
      return created.name;
    },

    async delete(modelId, ids) {
      const name = qdrantCollectionName(modelId);
      if ((await wrap('delete', () => existingDims(name))) === undefined) return;
      const pointIds = [...new Set(ids)].map(qdrantPointId);
      for (let i = 0; i < pointIds.length; i += BATCH) {
        await wrap('delete', () => client.delete(name, { wait: true, points: pointIds.slice(i, i + BATCH) }));
      }
    },

    async count(modelId) {
      const name = qdrantCollectionName(modelId);
      if ((await wrap('count', () => existingDims(name))) === undefined) return 0;
      return (await wrap('count', () => client.count(name, { exact: true }))).count;
    },

    async ping() {
      await wrap('ping', () => client.getCollections());
    },

    // The REST client has no close(); its keep-alive sockets are released when idle.
    async close() {
      collections.clear();
    },
  };
}

/** Last record wins, matching what a sequence of single upserts would leave behind. */
function latestPerId(records: VectorRecord[]): VectorRecord[] {
  return [...new Map(records.map((r) => [r.id, r])).values()];
}

function validateRecord(modelId: string, r: VectorRecord, dims: number): void {
  if (r.id === '') throw new TypeError('record id must be non-empty');
  if (r.trendId !== undefined && r.trendId !== null && !Number.isInteger(r.trendId)) {
    throw new TypeError(`record ${r.id}: trendId must be an integer`);
  }
  if (!Number.isFinite(r.publishedAt)) throw new TypeError(`record ${r.id}: publishedAt must be finite`);
  if (dims === 0) throw new TypeError(`record ${r.id}: vector is empty`);
  if (r.vector.length !== dims) throw new VectorDimensionError(STORE, 'upsert', modelId, dims, r.vector.length);
}

function toFilter(filter: VectorSearchFilter | undefined): Schemas['Filter'] | undefined {
  const must: Schemas['Condition'][] = [];
  // Payload values travel as JSON, so a quote in `source` needs no escaping here.
  if (filter?.source !== undefined) must.push({ key: 'source', match: { value: filter.source } });
  const range: Schemas['Range'] = {};
  if (filter?.fromMs !== undefined) range.gte = finite('fromMs', filter.fromMs);
  if (filter?.toMs !== undefined) range.lte = finite('toMs', filter.toMs);
  if (range.gte !== undefined || range.lte !== undefined) must.push({ key: 'published_at', range });
  if (filter?.language !== undefined) must.push({ key: 'language', match: { value: filter.language } });
  if (filter?.trendId !== undefined) {
    if (!Number.isInteger(filter.trendId)) throw new TypeError(`filter.trendId must be an integer, got ${filter.trendId}`);
    must.push({ key: 'trend_id', match: { value: filter.trendId } });
  }
  return must.length > 0 ? { must } : undefined;
}

function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`filter.${name} must be a finite number, got ${value}`);
  return value;
}

/** Optional fields are left out rather than stored as null, so the payload indexes skip them. */
function toPayload(r: VectorRecord): Record<string, unknown> {
  // Rounded because the integer payload index skips non-integer values.
  const payload: Record<string, unknown> = { item_id: r.id, source: r.source, published_at: Math.round(r.publishedAt) };
  if (r.language) payload.language = r.language;
  if (r.trendId !== undefined && r.trendId !== null) payload.trend_id = r.trendId;
  return payload;
}

function toRecord(point: Schemas['Record']): VectorRecord {
  const p = point.payload ?? {};
  const vector = point.vector;
  if (typeof p.item_id !== 'string' || typeof p.source !== 'string' || typeof p.published_at !== 'number' || !isNumbers(vector)) {
    throw new VectorStoreError(STORE, 'scroll', `point ${point.id} lacks item_id, source, published_at or its vector`);
  }
  return {
    id: p.item_id,
    vector: Float32Array.from(vector),
    source: p.source,
    publishedAt: p.published_at,
    language: typeof p.language === 'string' ? p.language : null,
    trendId: typeof p.trend_id === 'number' ? p.trend_id : null,
  };
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'number');
}

function toHit(point: Schemas['ScoredPoint']): VectorHit {
  const itemId = point.payload?.['item_id'];
  if (typeof itemId !== 'string') throw new VectorStoreError(STORE, 'search', `point ${point.id} has no item_id payload`);
  // With Cosine distance Qdrant's score already is the cosine similarity.
  return { id: itemId, score: point.score };
}

async function wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof VectorStoreError) throw error;
    const message = errorMessage(error);
    throw new VectorStoreError(STORE, operation, message, { cause: error });
  }
}
