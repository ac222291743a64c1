/**
 * Recall@10 of indexed search against exact search on real embeddings: the dev headlines
 * (../shared/data/news-stories-dev.csv, UCI News Aggregator, CC BY 4.0) embedded with the default USE model,
 * every headline used once as the query. Exact = the store's search on a table without a vector index
 * (exhaustive); indexed = the same search after creating the index the store builds (IVF_HNSW_SQ), and IVF_PQ
 * for comparison. Also with the published-time filter the API offers (±3 hours around the query's own time).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/vector-recall.js [--cache /tmp/trendflow-dev-use.json]
 *
 * The first run embeds the 2,413 titles (~10–20 s) and caches the vectors. Writes bench/results/vector-recall.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, Index } from '@lancedb/lancedb';
import { parse } from 'csv-parse/sync';
import { createUseEmbedder } from '../activities/embed/use-embedder';
import { createLanceDbStore, lanceTableName } from '../vectors/lancedb-store';
import type { VectorRecord, VectorSearchFilter, VectorStore } from '../vectors/vector-store';
import { argument } from './lib/args';

const MODEL = 'use-lite-512';
const HOUR = 3_600_000;

async function loadRecords(cachePath: string): Promise<VectorRecord[]> {
  const rows: Array<Record<string, string>> = parse(readFileSync(path.resolve('../shared/data/news-stories-dev.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  const titles = rows.map((r) => r['TITLE'] ?? '');
  const key = createHash('sha256').update(JSON.stringify(titles)).digest('hex');
  let vectors: Float32Array[] | undefined;
  if (existsSync(cachePath)) {
    const cached = JSON.parse(readFileSync(cachePath, 'utf8')) as { key?: string; vectors?: number[][] };
    if (cached.key === key && cached.vectors?.length === titles.length) vectors = cached.vectors.map((v) => Float32Array.from(v));
  }
  if (!vectors) {
    const embedder = await createUseEmbedder({ threads: os.availableParallelism() });
    try {
      vectors = await embedder.embed(titles);
    } finally {
      await embedder.close?.();
    }
    writeFileSync(cachePath, JSON.stringify({ key, model: embedder.id, vectors: vectors.map((v) => Array.from(v)) }));
  }
  return rows.map((r, i) => ({
    id: String(i),
    vector: vectors[i] as Float32Array,
    source: r['PUBLISHER'] ?? '',
    publishedAt: Number(r['TIMESTAMP'] ?? 0),
  }));
}

async function answers(store: VectorStore, records: VectorRecord[], filtered: boolean): Promise<{ ids: string[][]; p50Ms: number; p95Ms: number }> {
  const ids: string[][] = [];
  const times: number[] = [];
  for (const r of records) {
    const filter: VectorSearchFilter = filtered ? { fromMs: r.publishedAt - 3 * HOUR, toMs: r.publishedAt + 3 * HOUR } : {};
    const t = process.hrtime.bigint();
    ids.push((await store.search(MODEL, r.vector, 10, filter)).map((h) => h.id));
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => Number((times[Math.floor(p * (times.length - 1))] ?? NaN).toFixed(2));
  return { ids, p50Ms: at(0.5), p95Ms: at(0.95) };
}

function recallAt10(exact: string[][], found: string[][]): number {
  let sum = 0;
  exact.forEach((truth, i) => {
    const set = new Set(truth);
    sum += set.size === 0 ? 1 : (found[i] ?? []).filter((id) => set.has(id)).length / set.size;
  });
  return Number((sum / exact.length).toFixed(4));
}

async function main(): Promise<void> {
  const records = await loadRecords(argument('cache', path.join(os.tmpdir(), 'trendflow-dev-use.json')));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trendflow-bench-recall-'));
  const store = await createLanceDbStore({ path: dir, optimizeEveryUpserts: 1_000_000 });
  const raw = await connect(dir);
  const results = [];
  try {
    await store.upsert(MODEL, records);
    const table = await raw.openTable(lanceTableName(MODEL));
    const exact = { unfiltered: await answers(store, records, false), filtered: await answers(store, records, true) };
    results.push({ index: 'none (exact)', recallAt10: 1, filteredRecallAt10: 1, ...timings(exact.unfiltered, exact.filtered) });
    const indexes = [
      ['IVF_HNSW_SQ (what the store builds; searched with ef 100, refine 2)', Index.hnswSq({ distanceType: 'cosine', numPartitions: 1 })],
      ['IVF_PQ (49 partitions, 64 sub-vectors; refine 2)', Index.ivfPq({ distanceType: 'cosine', numPartitions: 49, numSubVectors: 64 })],
    ] as const;
    for (const [name, config] of indexes) {
      await table.createIndex('vector', { config, replace: true });
      const unfiltered = await answers(store, records, false);
      const filtered = await answers(store, records, true);
      const row = {
        index: name,
        recallAt10: recallAt10(exact.unfiltered.ids, unfiltered.ids),
        filteredRecallAt10: recallAt10(exact.filtered.ids, filtered.ids),
        ...timings(unfiltered, filtered),
      };
      console.log(JSON.stringify(row));
      results.push(row);
    }
    table.close();
  } finally {
    raw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const out = path.resolve('bench/results/vector-recall.json');
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        data: `${records.length} dev headlines embedded with ${MODEL}; each one the query once; filtered = ±3 hours of its own time (the data spans 1.5 days)`,
        machine: { cpus: os.cpus().length, node: process.version, loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(2)) },
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

function timings(unfiltered: { p50Ms: number; p95Ms: number }, filtered: { p50Ms: number; p95Ms: number }) {
  return { p50Ms: unfiltered.p50Ms, p95Ms: unfiltered.p95Ms, filteredP50Ms: filtered.p50Ms, filteredP95Ms: filtered.p95Ms };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
