/**
 * Clustering time and memory vs window size: the pure cluster stage (`clusterEmbeddings`, default
 * options) on n = 1k … 100k items resampled from the dev news split, each size in its own process so
 * that its peak RSS (VmHWM) is its own. Sizes up to `--exact-max` are also clustered with one exact
 * matrix (blockSize = n) to show what the block-wise multilevel path saves and what it costs in quality.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/cluster-scaling.js [--sizes 1000,…] [--exact-max 10000] [--out PATH]
 *
 * Resampling: every headline once, then uniformly at random (seeded); a copy's title gets a
 * Google-News-style " - <Publisher>" suffix (a real publisher of the data set) and its vector is the
 * headline's embedding shifted by a fixed direction per publisher plus a little noise — calibrated on
 * the real embedder, where "<title> - <Publisher>" has cosine 0.92–0.97 (mean 0.945) to "<title>".
 * Times keep each story's burst: the original time plus up to ±6 h of jitter. Scored against STORY.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { parse } from 'csv-parse/sync';
import { clusterEmbeddings, DEFAULT_CLUSTER_OPTIONS } from '../activities/cluster/cluster-embeddings';
import { scoreClustering } from '../activities/cluster/metrics';
import { loadDataset } from './cluster-quality';
import { seededRandom as rng } from './lib/random';
import { argument } from './lib/args';

const DATA = '../shared/data/news-stories-dev.csv';

function unitRandom(random: () => number, dim: number): Float32Array {
  const v = Float32Array.from({ length: dim }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

interface Sample {
  vectors: Float32Array[];
  texts: string[];
  times: number[];
  stories: string[];
}

async function sample(n: number): Promise<Sample> {
  const data = await loadDataset(resolve(DATA), join(tmpdir(), 'dev-embeddings.json'));
  const rows: Array<Record<string, string>> = parse(readFileSync(resolve(DATA), 'utf8'), { columns: true, skip_empty_lines: true });
  const publishers = [...new Set(rows.map((r) => r['PUBLISHER'] ?? '').filter(Boolean))].sort();
  const random = rng(n);
  const dim = data.vectors[0]?.length ?? 512;
  const shift = new Map<string, Float32Array>();
  const out: Sample = { vectors: [], texts: [], times: [], stories: [] };
  const copies = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const i = k < data.titles.length ? k : Math.floor(random() * data.titles.length);
    const copy = copies.get(i) ?? 0;
    copies.set(i, copy + 1);
    let vector = data.vectors[i] as Float32Array;
    let text = data.titles[i] as string;
    if (copy > 0) {
      const publisher = publishers[(i * 7919 + copy) % publishers.length] as string;
      text = `${text} - ${publisher}`;
      if (!shift.has(publisher)) shift.set(publisher, unitRandom(random, dim));
      const p = shift.get(publisher) as Float32Array;
      const noise = unitRandom(random, dim);
      const moved = vector.map((x, d) => x + 0.3 * (p[d] as number) + 0.12 * (noise[d] as number));
      const norm = Math.hypot(...moved);
      vector = moved.map((x) => x / norm);
    }
    out.vectors.push(vector);
    out.texts.push(text);
    out.times.push((data.times[i] as number) + (copy > 0 ? (random() * 2 - 1) * 6 * 3_600_000 : 0));
    out.stories.push(data.stories[i] as string);
  }
  return out;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1048576);
}

/** Child mode: one size, one path; prints one JSON line. */
async function one(n: number, blockSize: number | undefined): Promise<void> {
  const s = await sample(n);
  const baseMb = peakRssMb();
  const started = process.hrtime.bigint();
  const result = clusterEmbeddings({ vectors: s.vectors, texts: s.texts, times: s.times }, blockSize ? { blockSize } : {});
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const scores = scoreClustering(s.stories, result.labels);
  const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;
  console.log(
    JSON.stringify({
      n,
      path: n <= (blockSize ?? DEFAULT_CLUSTER_OPTIONS.blockSize) ? 'exact' : 'multilevel',
      seconds: round(seconds),
      peakRssMb: peakRssMb(),
      dataRssMb: baseMb,
      nmi: round(scores.nmi),
      ari: round(scores.ari),
      clusters: scores.clusterCount,
      noiseFraction: round(scores.noiseFraction),
    }),
  );
}

function runChild(n: number, exact: boolean): Record<string, unknown> {
  const args = [__filename, '--one', String(n), ...(exact ? ['--block', String(n)] : [])];
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`n=${n}${exact ? ' exact' : ''} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Slope of log(seconds) against log(n) between neighbouring sizes: 1 is linear, 2 quadratic. */
function exponents(points: Array<Record<string, unknown>>): Array<{ from: number; to: number; exponent: number }> {
  return points.slice(1).map((p, k) => {
    const q = points[k] as Record<string, unknown>;
    const e = Math.log((p['seconds'] as number) / (q['seconds'] as number)) / Math.log((p['n'] as number) / (q['n'] as number));
    return { from: q['n'] as number, to: p['n'] as number, exponent: Math.round(e * 100) / 100 };
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--one')) {
    const block = argument('block', '');
    return one(Number(argument('one', '0')), block ? Number(block) : undefined);
  }
  const sizes = argument('sizes', '1000,2000,5000,10000,20000,50000,100000').split(',').map(Number);
  const exactMax = Number(argument('exact-max', '10000'));
  const outPath = resolve(argument('out', 'bench/results/cluster-scaling.json'));
  const loadBefore = os.loadavg();
  const points: Array<Record<string, unknown>> = [];
  const exact: Array<Record<string, unknown>> = [];
  for (const n of sizes) {
    const p = runChild(n, false);
    points.push(p);
    console.log(`n=${n} default: ${p['seconds']} s, peak ${p['peakRssMb']} MB, NMI ${p['nmi']} ARI ${p['ari']} (${p['path']})`);
    if (n <= exactMax && p['path'] !== 'exact') {
      const e = runChild(n, true);
      exact.push(e);
      console.log(`n=${n} exact:   ${e['seconds']} s, peak ${e['peakRssMb']} MB, NMI ${e['nmi']} ARI ${e['ari']}`);
    }
  }
  const report = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: os.loadavg() },
    data: 'dev news split resampled (see the header of bench/cluster-scaling.ts); scores against STORY, noise as singletons',
    points,
    exact,
    exponents: exponents(points),
  };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${outPath}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
