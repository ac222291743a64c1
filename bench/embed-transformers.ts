/**
 * The transformers.js embedder (all-MiniLM-L6-v2, fp32 and int8, from `trendflow models fetch`) against USE
 * on the dev headlines: throughput per batch size and onnxruntime thread count, and clustering quality
 * (NMI/ARI against the STORY column) with the production clustering, sweeping the distance threshold, whose
 * default (0.72) was tuned on USE vectors.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/embed-transformers.js [--repeats 3] [--out FILE]
 *     [--models minilm,minilm-q] [--skip-throughput] [--skip-cluster] [--note TEXT]
 *
 * Models are fetched into MODELS_DIR (default ./data/models) when missing. Data: UCI News Aggregator
 * (Gasparetti, 2016), CC BY 4.0. Other processes share the machine's cores, so each measurement records the
 * 1-minute load average, and the best of `repeats` passes is reported next to the median.
 * Writes bench/results/embed-transformers.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../activities/cluster/cluster-embeddings';
import { scoreClustering } from '../activities/cluster/metrics';
import type { Embedder } from '../activities/embed/embedder';
import { createTransformersEmbedder } from '../activities/embed/transformers-embedder';
import { createUseEmbedder } from '../activities/embed/use-embedder';
import { loadConfig } from '../config/config';
import { fetchModel, MODEL_NAMES, type ModelName } from '../services/models';
import { argument } from './lib/args';

const CHUNK = 256; // texts per embed() call, as activities/embed/index.ts sends them
const load = () => Number((os.loadavg()[0] ?? 0).toFixed(2));
const round = (x: number) => Math.round(x * 1000) / 1000;

interface Throughput {
  embedder: string;
  threads: number;
  batchSize: number;
  items: number;
  bestItemsPerSecond: number;
  medianItemsPerSecond: number;
  /** 1-minute load average after each pass. */
  loadAverage1m: number[];
}

interface Variant {
  label: string;
  threads: number;
  batchSize: number;
  make: () => Promise<Embedder>;
}

/**
 * One pass per variant per round, the variants taking turns, so the load from other processes (which drifts
 * over minutes) falls on every variant alike instead of on whichever ran during a busy stretch.
 */
async function measureRoundRobin(variants: Variant[], texts: string[], rounds: number): Promise<Throughput[]> {
  const rates = variants.map(() => [] as number[]);
  const loads = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (const [k, v] of variants.entries()) {
      const embedder = await v.make();
      await embedder.embed(texts.slice(0, 64)); // warm-up
      const started = process.hrtime.bigint();
      for (let i = 0; i < texts.length; i += CHUNK) await embedder.embed(texts.slice(i, i + CHUNK));
      const rate = texts.length / (Number(process.hrtime.bigint() - started) / 1e9);
      await embedder.close?.();
      rates[k]?.push(rate);
      loads[k]?.push(load());
      console.log(`round ${r + 1} ${v.label.padEnd(10)} threads ${v.threads} batch ${String(v.batchSize).padStart(3)}: ${Math.round(rate)} items/s (load ${load()})`);
    }
  }
  return variants.map((v, k) => {
    const sorted = [...(rates[k] ?? [])].sort((a, b) => a - b);
    return {
      embedder: v.label,
      threads: v.threads,
      batchSize: v.batchSize,
      items: texts.length,
      bestItemsPerSecond: Math.round(sorted[sorted.length - 1] ?? 0),
      medianItemsPerSecond: Math.round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0),
      loadAverage1m: loads[k] ?? [],
    };
  });
}

interface Data {
  titles: string[];
  stories: string[];
  times: number[];
}

/** Clusters the vectors at each threshold with the production defaults otherwise; scores against STORY. */
function sweep(label: string, data: Data, vectors: Float32Array[], thresholds: number[], lexicalWeight: number) {
  const runs = thresholds.map((distanceThreshold) => {
    const started = Date.now();
    const result = clusterEmbeddings(
      { vectors, texts: data.titles, times: data.times },
      { ...DEFAULT_CLUSTER_OPTIONS, distanceThreshold, lexicalWeight },
    );
    const s = scoreClustering(data.stories, result.labels);
    const run = {
      distanceThreshold,
      lexicalWeight,
      nmi: round(s.nmi),
      ari: round(s.ari),
      noiseFraction: round(s.noiseFraction),
      clusters: s.clusterCount,
      ms: Date.now() - started,
    };
    console.log(`${label.padEnd(12)} w ${lexicalWeight} t ${distanceThreshold.toFixed(2)}: NMI ${run.nmi} ARI ${run.ari} noise ${run.noiseFraction} k ${run.clusters}`);
    return run;
  });
  const best = [...runs].sort((a, b) => b.nmi + b.ari - (a.nmi + a.ari))[0];
  return { lexicalWeight, best, runs };
}

async function main(): Promise<void> {
  const repeats = Number(argument('repeats', '3'));
  const models = argument('models', MODEL_NAMES.join(',')).split(',') as ModelName[];
  const config = loadConfig(process.env, { checkModelFiles: false });
  const rows: Array<Record<string, string>> = parse(readFileSync(resolve('../shared/data/news-stories-dev.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  const data: Data = {
    titles: rows.map((r) => r['TITLE'] ?? ''),
    stories: rows.map((r) => r['STORY'] ?? ''),
    times: rows.map((r) => Number(r['TIMESTAMP'])),
  };
  const loadAtStart = os.loadavg();
  const paths: Record<string, string> = {};
  for (const name of models) paths[name] = (await fetchModel({ name, modelsDir: config.models.dir, mavenBaseUrl: config.models.mavenBaseUrl })).path;

  let throughput: Throughput[] = [];
  if (!process.argv.includes('--skip-throughput')) {
    const variants: Variant[] = [];
    for (const name of models) {
      const modelPath = paths[name] as string;
      for (const [threads, batchSize] of [[2, 8], [2, 16], [2, 32], [2, 64], [2, 128], [1, 32]] as const) {
        variants.push({ label: name, threads, batchSize, make: () => createTransformersEmbedder({ modelPath, threads, batchSize }) });
      }
    }
    // USE under the same load: its configured default (2 threads, batches of 16) and its best measured (8).
    for (const batchSize of [16, 8]) variants.push({ label: 'use', threads: 2, batchSize, make: () => createUseEmbedder({ threads: 2, batchSize }) });
    throughput = await measureRoundRobin(variants, data.titles, repeats);
  }

  const clustering: Record<string, unknown> = {};
  if (!process.argv.includes('--skip-cluster')) {
    const thresholds = Array.from({ length: 19 }, (_, k) => round(0.56 + 0.02 * k)); // 0.56 … 0.92
    const embedders: Array<[string, () => Promise<Embedder>]> = [
      ['use', () => createUseEmbedder({ threads: 2 })],
      ...models.map((name): [string, () => Promise<Embedder>] => [name, () => createTransformersEmbedder({ modelPath: paths[name] as string, threads: 2 })]),
    ];
    for (const [label, make] of embedders) {
      const embedder = await make();
      const vectors = await embedder.embed(data.titles);
      await embedder.close?.();
      const blended = sweep(label, data, vectors, thresholds, DEFAULT_CLUSTER_OPTIONS.lexicalWeight);
      const atDefault = blended.runs.find((r) => r.distanceThreshold === DEFAULT_CLUSTER_OPTIONS.distanceThreshold);
      // Embeddings alone show the model's own contribution, without the TF-IDF half of the distance.
      const alone = sweep(label, data, vectors, thresholds.map((t) => round(t - 0.12)), 0);
      clustering[label] = { model: embedder.id, atDefaultThreshold: atDefault, best: blended.best, embeddingsOnlyBest: alone.best, sweep: blended.runs, embeddingsOnly: alone.runs };
    }
  }

  const out = resolve(argument('out', 'bench/results/embed-transformers.json'));
  const reference = JSON.parse(readFileSync(resolve('bench/results/embed-throughput.json'), 'utf8')) as { generatedAt: string; results: unknown[] };
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
        loadAverage: { atStart: loadAtStart.map(round), atEnd: os.loadavg().map(round) },
        note: argument('note', 'normal priority; other processes share the cores (see loadAverage1m)'),
        data: { file: '../shared/data/news-stories-dev.csv', items: data.titles.length, stories: new Set(data.stories).size, attribution: 'UCI News Aggregator (Gasparetti, 2016), CC BY 4.0' },
        throughput: { texts: `all ${data.titles.length} TITLEs, ${CHUNK} per embed() call, best and median of ${repeats}`, results: throughput },
        useThroughputReference: { file: 'bench/results/embed-throughput.json', generatedAt: reference.generatedAt, note: 'USE on this machine, an earlier run' },
        clustering: {
          method: `activities/cluster clusterEmbeddings with DEFAULT_CLUSTER_OPTIONS (lexicalWeight ${DEFAULT_CLUSTER_OPTIONS.lexicalWeight}, timeWeight ${DEFAULT_CLUSTER_OPTIONS.timeWeight}) and the threshold swept; noise points scored as singletons`,
          defaultThreshold: DEFAULT_CLUSTER_OPTIONS.distanceThreshold,
          ...clustering,
        },
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
