import { createHash } from 'node:crypto';
import type { QdrantClient, QdrantClientParams, Schemas } from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };
import { errorMessage, VectorDimensionError, VectorStoreError } from './errors';
import type { VectorHit, VectorRecord, VectorSearchFilter, VectorStore } from './vector-store';

const STORE = 'qdrant';
const BATCH = 256;
/** Namespace of our point ids. Never change it: every stored point id is derived from it. */
const POINT_ID_NAMESPACE = '7320d190-ade4-4056-910d-949f6dafc0a2';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
}

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` within `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID_PATTERN.test(namespace)) throw new TypeError(`namespace is not a UUID: ${namespace}`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6); // version 5
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8); // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Qdrant point id for an item id; Qdrant only accepts unsigned ints or UUIDs, and re-upserts must hit the same point. */
export function qdrantPointId(itemId: string): string {
  return uuidV5(itemId, POINT_ID_NAMESPACE);
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
        await client.createCollection(name, { vectors: { size: dims, distance: 'Cosine' } });
      } catch (error) {
        // Another worker won the race between our check and create; its collection is just as good.
        if (!(await client.collectionExists(name)).exists) throw error;
      }
    }
    // Checked rather than created blindly, so a collection whose creator died before indexing gets its indexes.
    const info = await describe(name);
    if (!info.indexed.has('source')) {
      await client.createPayloadIndex(name, { field_name: 'source', field_schema: 'keyword', wait: true });
    }
    if (!info.indexed.has('published_at')) {
      await client.createPayloadIndex(name, { field_name: 'published_at', field_schema: 'integer', wait: true });
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
        payload: { item_id: r.id, source: r.source, published_at: Math.round(r.publishedAt) },
      }));
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
  return must.length > 0 ? { must } : undefined;
}

function finite(name: string, value: number): number {
  if (!Number.isFinite(value)) throw new TypeError(`filter.${name} must be a finite number, got ${value}`);
  return value;
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
