import { VectorStoreError } from '../../../vectors/errors';
import { createVectorStore } from '../../../vectors/index';
import { createQdrantStore, qdrantCollectionName, qdrantPointId, uuidV5 } from '../../../vectors/qdrant-store';
import { runVectorStoreContract } from './contract';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Qdrant point ids', () => {
  it('match the RFC 4122 version-5 algorithm (reference values from Python uuid.uuid5)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(uuidV5('héllo', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe('102d6fae-a0b0-5a7a-b980-5e8cfb1690db');
    expect(qdrantPointId('item-1')).toBe('19432a42-b4d9-5628-b088-8dca113a9646');
  });

  it('are deterministic, well-formed and distinct per item id', () => {
    const ids = ['item-1', 'item-2', 'Item-1', '', "o'neil", 'x'.repeat(10_000)];
    const points = ids.map(qdrantPointId);
    for (const p of points) expect(p).toMatch(UUID_V5);
    expect(ids.map(qdrantPointId)).toEqual(points);
    expect(new Set(points).size).toBe(ids.length);
  });

  it('reject a namespace that is not a UUID', () => {
    expect(() => uuidV5('a', 'not-a-uuid')).toThrow(TypeError);
  });
});

describe('Qdrant store without a server', () => {
  it('is what createVectorStore picks when a Qdrant URL is configured', async () => {
    const store = await createVectorStore({ qdrantUrl: 'http://127.0.0.1:1', lancePath: '/nonexistent' });
    expect(store.kind).toBe('qdrant');
    await store.close();
  });

  it('names collections like the LanceDB tables', () => {
    expect(qdrantCollectionName('use-lite-512')).toBe('items_use_lite_512');
  });

  it('reports an unreachable server as a VectorStoreError from ping', async () => {
    // Port 1 on loopback refuses at once, so this needs no server and no timeout.
    const store = createQdrantStore({ url: 'http://127.0.0.1:1', timeoutMs: 5_000 });
    const error: unknown = await store.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VectorStoreError);
    expect(error).toMatchObject({ store: 'qdrant', operation: 'ping' });
    await store.close();
  });

  it('rejects bad arguments before any request is made', async () => {
    const store = createQdrantStore({ url: 'http://127.0.0.1:1' });
    const query = Float32Array.from([1, 0]);
    await expect(store.search('m', query, -1)).rejects.toThrow(TypeError);
    await expect(store.search('m', query, 5, { toMs: Number.POSITIVE_INFINITY })).rejects.toThrow(TypeError);
    await expect(store.upsert('', [])).rejects.toThrow(TypeError);
    await store.close();
  });
});

// The contract needs a real Qdrant server, which CI provides through QDRANT_URL; without one the
// suite is not registered at all (rather than registered as skipped or as an always-green test).
const qdrantUrl = process.env.QDRANT_URL;
const qdrantApiKey = process.env.QDRANT_API_KEY;
if (qdrantUrl) {
  runVectorStoreContract('qdrant', async () => createQdrantStore({ url: qdrantUrl, apiKey: qdrantApiKey }), {
    dropModels: async (modelIds) => {
      for (const id of modelIds) {
        await fetch(`${qdrantUrl.replace(/\/$/, '')}/collections/${qdrantCollectionName(id)}`, {
          method: 'DELETE',
          headers: qdrantApiKey ? { 'api-key': qdrantApiKey } : {},
        });
      }
    },
  });
} else {
  console.info('Qdrant contract suite not run: set QDRANT_URL to run it against a real server.');
}
