/**
 * Incremental clustering on the dev news split: the headlines fed in time order as several runs
 * (TIMESTAMP quantiles, each run clustering everything seen so far with the earlier trends as
 * seeds, as `clusterWindow` does with window `all`), scored after every run and compared with one
 * run over everything. Also counts trend ids that did not survive a run without a merge record.
 *
 * Pure logic only (the workflow path is proven by test/integration/trends-incremental.test.ts):
 *   npx tsc -p tsconfig.build.json && node dist/bench/cluster-incremental.js [--runs 4] [--no-split] [--no-time] [--out FILE]
 * Uses the embedding cache of bench/cluster-quality.ts ($TMPDIR/dev-embeddings.json; run that once first).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { clusterEmbeddings } from '../activities/cluster/cluster-embeddings';
import { planIdentity } from '../activities/cluster/identity';
import { NOISE_LABEL, scoreClustering } from '../activities/cluster/metrics';
import type { ClusterOptions } from '../activities/cluster/types';
import { argument } from './lib/args';

const fmt = (x: number): string => x.toFixed(3);

function main(): void {
  const dataPath = resolve(argument('data', '../shared/data/news-stories-dev.csv'));
  const cachePath = resolve(argument('cache', join(tmpdir(), 'dev-embeddings.json')));
  const runs = Number.parseInt(argument('runs', '4'), 10);
  const options: Partial<ClusterOptions> = {
    ...(process.argv.includes('--no-split') ? { splitSeeded: false } : {}),
    ...(process.argv.includes('--no-time') ? { timeWeight: 0 } : {}),
  };
  if (!existsSync(cachePath)) throw new Error(`no embedding cache at ${cachePath}: run bench/cluster-quality first`);
  const rows: Array<Record<string, string>> = parse(readFileSync(dataPath, 'utf8'), { columns: true, skip_empty_lines: true });
  const cached = JSON.parse(readFileSync(cachePath, 'utf8')) as { vectors: number[][] };
  if (cached.vectors.length !== rows.length) throw new Error('embedding cache does not match the data file');
  const vectors = cached.vectors.map((v) => Float32Array.from(v));
  const titles = rows.map((r) => r['TITLE'] ?? '');
  const stories = rows.map((r) => r['STORY'] ?? '');
  const times = rows.map((r) => Number(r['TIMESTAMP']));
  const order = rows.map((_, i) => i).sort((a, b) => Number(rows[a]?.['TIMESTAMP']) - Number(rows[b]?.['TIMESTAMP']) || a - b);

  const single = clusterEmbeddings({ vectors, texts: titles, times }, options);
  const s1 = scoreClustering(stories, single.labels);
  const report: { single: Record<string, number>; runs: Array<Record<string, number>> } = {
    single: { items: rows.length, nmi: s1.nmi, ari: s1.ari, noiseFraction: s1.noiseFraction, clusters: s1.clusterCount },
    runs: [],
  };
  console.log(`single run: ${rows.length} items NMI ${fmt(s1.nmi)} ARI ${fmt(s1.ari)} noise ${fmt(s1.noiseFraction)} clusters ${s1.clusterCount}`);

  const trendOf = new Map<number, number>();
  let nextId = 1;
  let alive = new Set<number>();
  for (let k = 1; k <= runs; k++) {
    const window = order.slice(0, Math.round((k * order.length) / runs));
    const seeds = window.map((i) => trendOf.get(i) ?? null);
    const started = Date.now();
    const result = clusterEmbeddings(
      { vectors: window.map((i) => vectors[i] as Float32Array), texts: window.map((i) => titles[i] as string), times: window.map((i) => times[i] as number), seeds },
      options,
    );
    const plan = planIdentity(seeds, result.labels);
    const trendOfLabel = new Map<number, number>();
    const merged = new Set<number>();
    let created = 0;
    let splits = 0;
    for (const c of plan.clusters) {
      trendOfLabel.set(c.label, c.continues ?? nextId++);
      if (c.continues === null) created++;
      if (c.splitFrom !== null) splits++;
      c.absorbs.forEach((t) => merged.add(t));
    }
    window.forEach((item, w) => {
      const label = result.labels[w] ?? NOISE_LABEL;
      if (label === NOISE_LABEL) trendOf.delete(item);
      else trendOf.set(item, trendOfLabel.get(label) as number);
    });
    const now = new Set(trendOf.values());
    const lost = [...alive].filter((t) => !now.has(t) && !merged.has(t));
    const s = scoreClustering(
      window.map((i) => stories[i] as string),
      window.map((i) => trendOf.get(i) ?? NOISE_LABEL),
    );
    console.log(
      `run ${k}: ${window.length} items NMI ${fmt(s.nmi)} ARI ${fmt(s.ari)} noise ${fmt(s.noiseFraction)} trends ${now.size} ` +
        `(created ${created - splits}, split ${splits}, merged ${merged.size}, orphaned ${plan.orphaned.length}, lost ${lost.length}) ${Date.now() - started} ms`,
    );
    report.runs.push({ run: k, items: window.length, nmi: s.nmi, ari: s.ari, noiseFraction: s.noiseFraction, trends: now.size, created: created - splits, splits, merged: merged.size, lost: lost.length });
    alive = now;
  }
  const out = argument('out', '');
  if (out) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(resolve(out), `${JSON.stringify({ generatedAt: new Date().toISOString(), options, ...report }, null, 2)}\n`);
  }
}

main();
