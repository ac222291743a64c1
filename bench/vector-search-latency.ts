/**
 * Vector search latency (p50/p95) in the embedded LanceDB store at 10k and 100k vectors, with a source + time
 * filter (the API's `?source=…&from=…&to=…`), brute force and with ANN indexes, plus recall@10 of each index
 * against the exact answer for the same filtered queries.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/vector-search-latency.js [--sizes 10000,100000] [--queries 200]
 *
 * Data: synthetic 512-d unit vectors drawn around 500 random "story" centroids (cosine ≈ 0.75 to their
 * centroid, like headline embeddings of one story), 20 sources, published times spread over 30 days. A query
 * asks for one source and a 7-day window (≈ 1.2 % of rows). Searches go through the store's own search(),
 * which uses whatever index the table has. Writes bench/results/vector-search-latency.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, Index, type Table } from '@lancedb/lancedb';
import { createLanceDbStore, lanceTableName } from '../vectors/lancedb-store';
import type { VectorRecord, VectorSearchFilter, VectorStore } from '../vectors/vector-store';
import { seededRandom as rng } from './lib/random';
import { argument } from './lib/args';

const DIMS = 512;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const MODEL = 'bench-512';

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
}
function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  return v.map((x) => x / n);
}

function makeData(n: number, random: () => number, centroids: Float32Array[]): VectorRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `item-${i}`,
    vector: around(centroids, random),
    source: String(1 + Math.floor(random() * 20)),
    publishedAt: T0 + Math.floor(random() * 30 * DAY),
  }));
}
function around(centroids: Float32Array[], random: () => number): Float32Array {
  const c = centroids[Math.floor(random() * centroids.length)] as Float32Array;
  return unit(c.map((x) => x + 0.04 * gaussian(random)));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

interface Query {
  vector: Float32Array;
  filter: VectorSearchFilter;
}

interface Variant {
  name: string;
  p50Ms: number;
  p95Ms: number;
  /** Mean overlap of the top 10 with the exact filtered top 10 (1 for brute force by definition). */
  recallAt10: number;
  /** Mean hits returned (fewer than 10 means the index lost rows the filter allowed). */
  meanHits: number;
}

async function measure(name: string, queries: Query[], exact: string[][] | undefined, run: (q: Query) => Promise<string[]>): Promise<Variant> {
  for (const q of queries.slice(0, 10)) await run(q); // warm caches
  const times: number[] = [];
  let recall = 0;
  let hits = 0;
  const answers: string[][] = [];
  for (const q of queries) {
    const t = process.hrtime.bigint();
    const ids = await run(q);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    answers.push(ids);
    hits += ids.length;
  }
  queries.forEach((_, i) => {
    const truth = new Set(exact?.[i] ?? answers[i]);
    recall += truth.size === 0 ? 1 : (answers[i] ?? []).filter((id) => truth.has(id)).length / truth.size;
  });
  times.sort((a, b) => a - b);
  const v = {
    name,
    p50Ms: Number(percentile(times, 0.5).toFixed(2)),
    p95Ms: Number(percentile(times, 0.95).toFixed(2)),
    recallAt10: Number((recall / queries.length).toFixed(4)),
    meanHits: Number((hits / queries.length).toFixed(2)),
  };
  console.log(`  ${name.padEnd(44)} p50 ${v.p50Ms} ms  p95 ${v.p95Ms} ms  recall@10 ${v.recallAt10}  hits ${v.meanHits}`);
  return v;
}

async function benchSize(n: number, queryCount: number) {
  const random = rng(n);
  const centroids = Array.from({ length: 500 }, () => unit(Float32Array.from({ length: DIMS }, () => gaussian(random))));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trendflow-bench-lance-'));
  const store: VectorStore = await createLanceDbStore({ path: dir, optimizeEveryUpserts: 1_000_000 });
  const raw = await connect(dir);
  try {
    const loadStart = Date.now();
    for (let i = 0; i < n; i += 10_000) await store.upsert(MODEL, makeData(Math.min(10_000, n - i), random, centroids).map((r, k) => ({ ...r, id: `item-${i + k}` })));
    const table: Table = await raw.openTable(lanceTableName(MODEL));
    await table.optimize();
    console.log(`${n} vectors loaded in ${Date.now() - loadStart} ms`);
    const queries: Query[] = Array.from({ length: queryCount }, () => {
      const from = T0 + Math.floor(random() * 23 * DAY);
      return { vector: around(centroids, random), filter: { source: String(1 + Math.floor(random() * 20)), fromMs: from, toMs: from + 7 * DAY } };
    });
    const viaStore = async (q: Query) => (await store.search(MODEL, q.vector, 10, q.filter)).map((h) => h.id);
    const variants: Variant[] = [];
    // Exact answers first: without a vector index, search() is an exhaustive (prefiltered) scan.
    const exactAnswers: string[][] = [];
    for (const q of queries) exactAnswers.push(await viaStore(q));
    variants.push(await measure('brute force, filtered', queries, exactAnswers, viaStore));
    variants.push(await measure('brute force, unfiltered', queries.map((q) => ({ ...q, filter: {} })), undefined, async (q) => viaStore(q)));

    await table.createIndex('source', { config: Index.bitmap() });
    await table.createIndex('published_at', { config: Index.btree() });
    variants.push(await measure('brute force + scalar indexes, filtered', queries, exactAnswers, viaStore));

    let started = Date.now();
    const partitions = Math.max(8, Math.round(Math.sqrt(n)));
    await table.createIndex('vector', { config: Index.ivfPq({ distanceType: 'cosine', numPartitions: partitions, numSubVectors: 64 }) });
    const ivfBuildMs = Date.now() - started;
    variants.push(await measure(`IVF_PQ(${partitions} partitions) via store, filtered`, queries, exactAnswers, viaStore));
    const ivfRefined = async (q: Query) => {
      const where = `source = '${q.filter.source}' AND published_at >= ${q.filter.fromMs} AND published_at <= ${q.filter.toMs}`;
      const rows: Array<{ id: string }> = await table.vectorSearch(q.vector).distanceType('cosine').where(where).nprobes(32).refineFactor(5).select(['id', '_distance']).limit(10).toArray();
      return rows.map((r) => r.id);
    };
    variants.push(await measure('IVF_PQ nprobes 32 refine 5, filtered', queries, exactAnswers, ivfRefined));

    started = Date.now();
    await table.createIndex('vector', { config: Index.hnswSq({ distanceType: 'cosine', numPartitions: Math.max(1, Math.round(n / 50_000)) }), replace: true });
    const hnswBuildMs = Date.now() - started;
    variants.push(await measure('IVF_HNSW_SQ via store, filtered', queries, exactAnswers, viaStore));
    variants.push(await measure('IVF_HNSW_SQ via store, unfiltered', queries.map((q) => ({ ...q, filter: {} })), undefined, viaStore));
    table.close();
    return { vectors: n, queries: queryCount, buildMs: { ivfPq: ivfBuildMs, ivfHnswSq: hnswBuildMs }, variants, loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(2)) };
  } finally {
    raw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = argument('sizes', '10000,100000').split(',').map(Number);
  const queryCount = Number(argument('queries', '200'));
  const results = [];
  for (const n of sizes) results.push(await benchSize(n, queryCount));
  const out = path.resolve('bench/results/vector-search-latency.json');
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  writeFileSync(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, goalP95Ms: 10, results }, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
