/**
 * End-to-end benchmark: collect → embed → cluster → extractive summaries on the real stack, per data size.
 *
 *   npm run bench:e2e -- [--sizes 1000,10000,100000] [--json] [--seed 1] [--out bench/results/e2e.json]
 *                        [--data ../shared/data/news-stories-dev.csv] [--timeout-min 60] [--keep] [--fresh]
 *                        [--env KEY=VALUE …: worker env for a variant; write it to its own --out]
 *                        [--profile embed,cluster: those workers run with --cpu-prof; implies --keep, profiles in the work dir]
 *
 * For each size: generate the items from the dev headlines (bench/e2e/generate.ts) into a temp dir, start a
 * fresh stack (embedded Postgres, Temporal dev server, one worker process per task queue, default embedder
 * and extractive summaries), run one pipeline pass of `csv:<file>` with window `all`, and record the
 * end-to-end time, the per-stage breakdown and Temporal overhead from the workflow history, NMI/ARI against
 * the STORY labels and each process's peak RSS. Results are merged by size into the results file (so one size
 * can be rerun on a quieter machine; --fresh drops the others), then drawn as e2e.svg/e2e.png next to it.
 * `--json` prints the results document on stdout and progress on stderr.
 *
 * Data: UCI News Aggregator (Gasparetti, 2016), CC BY 4.0, read from ../shared/data and never copied here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderChart } from './chart';
import { generateRows, loadDevRows, seededRandom, writeRowsCsv } from './generate';
import { measureSize, type SizeMeasurement } from './measure';
import { formatTable } from './table';
import { QUEUES } from '../lib/stack';
import type { QueueName } from '../../workflows/task-queues';

const root = path.resolve(__dirname, '..', '..', '..');

export interface SizeResult extends SizeMeasurement {
  n: number;
  measuredAt: string;
  /** The code measured for this size (sizes merged from earlier runs may differ; absent in results before it was recorded). */
  code?: E2eResults['code'];
  /** Worker env on top of the defaults (`--env`); empty for the default configuration. */
  workerEnv: Record<string, string>;
  /** 1-minute load average before the stack started and after the run: other jobs on the box skew the times. */
  loadAverage1m: { before: number; after: number };
  generateMs: number;
}

export interface E2eResults {
  generatedAt: string;
  machine: { cpus: number; model: string; memGiB: number; node: string; platform: string };
  /** The commit at the last write, and pipeline files that differed from it (uncommitted work is measured too). */
  code: { commit: string; modified: string[] };
  dataset: { file: string; rows: number; attribution: string; method: string };
  goal: string;
  sizes: SizeResult[];
}

function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sizes = (get('--sizes') ?? '1000,10000,100000').split(',').map((s) => Number(s.trim().replace(/k$/i, '000')));
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new TypeError(`--sizes must be positive integers, got ${get('--sizes')}`);
  const seed = Number(get('--seed') ?? 1);
  const timeoutMin = Number(get('--timeout-min') ?? 60);
  if (!Number.isInteger(seed)) throw new TypeError('--seed must be an integer');
  if (!(timeoutMin > 0)) throw new TypeError('--timeout-min must be positive');
  // Repeatable `--env KEY=VALUE` for the workers, to measure a variant (e.g. EMBED_CONCURRENCY=2) against the defaults.
  const env = Object.fromEntries(
    argv.flatMap((a, i) => (a === '--env' && argv[i + 1] ? [argv[i + 1] as string] : [])).map((kv) => {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new TypeError(`--env takes KEY=VALUE, got ${kv}`);
      return [kv.slice(0, eq), kv.slice(eq + 1)];
    }),
  );
  const profile = (get('--profile') ?? '').split(',').filter(Boolean);
  for (const q of profile) if (!(QUEUES as readonly string[]).includes(q)) throw new TypeError(`--profile takes queue names (${QUEUES.join(', ')}), got ${q}`);
  return {
    sizes,
    profile: profile as QueueName[],
    env,
    seed,
    timeoutMs: timeoutMin * 60_000,
    json: argv.includes('--json'),
    keep: argv.includes('--keep') || profile.length > 0,
    fresh: argv.includes('--fresh'),
    data: path.resolve(get('--data') ?? path.join(root, '..', 'shared', 'data', 'news-stories-dev.csv')),
    out: path.resolve(get('--out') ?? path.join(root, 'bench', 'results', 'e2e.json')),
  };
}

function codeState(): E2eResults['code'] {
  // Porcelain lines start with a two-letter status; only trailing whitespace may go.
  const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trimEnd();
  try {
    const modified = git('status', '--porcelain', '--', 'activities', 'workflows', 'workers', 'db', 'vectors', 'config', 'services');
    return { commit: git('rev-parse', 'HEAD'), modified: modified.split('\n').filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: 'unknown (not a git checkout)', modified: [] };
  }
}

const load1 = (): number => Number((os.loadavg()[0] ?? 0).toFixed(2));

function readPrevious(file: string): SizeResult[] {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as E2eResults).sizes ?? [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // With --json, stdout carries only the results document.
  const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const dev = loadDevRows(args.data);
  const cpu = os.cpus()[0];
  const results: E2eResults = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: cpu?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    code: codeState(),
    dataset: {
      file: path.relative(root, args.data),
      rows: dev.length,
      attribution: 'UCI News Aggregator (Gasparetti, 2016), CC BY 4.0',
      method: `resampled real headlines (each once before any repeats, then uniformly; seed ${args.seed}); repeats carry a " - <Publisher>" suffix from the dev publisher pool; new ids, URLs and times (story bursts kept, ±30 s jitter)`,
    },
    goal: '10k items collect→embed→cluster→extractive summaries in ≤ 60 s on 2 cores; cost growing no worse than n log n',
    sizes: args.fresh ? [] : readPrevious(args.out),
  };
  const write = () => {
    results.sizes.sort((a, b) => a.n - b.n);
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  };

  for (const n of args.sizes) {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `trendflow-e2e-${n}-`));
    say(`n = ${n}: work dir ${workDir}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    let ok = false;
    try {
      const g0 = Date.now();
      const csvFile = path.join(workDir, `items-${n}.csv`);
      writeRowsCsv(csvFile, generateRows(dev, n, { random: seededRandom(args.seed), nowMs: Date.now() }));
      const generateMs = Date.now() - g0;
      const before = load1();
      const m = await measureSize({ csvFile, workDir, env: args.env, timeoutMs: args.timeoutMs, profile: args.profile, log: say });
      const result: SizeResult = { n, measuredAt: new Date().toISOString(), code: codeState(), workerEnv: args.env, loadAverage1m: { before, after: load1() }, generateMs, ...m };
      results.sizes = [...results.sizes.filter((r) => r.n !== n), result];
      results.generatedAt = new Date().toISOString();
      write();
      ok = true;
      say(`n = ${n}: ${m.status} in ${(m.endToEndMs / 1000).toFixed(1)} s end to end (load ${result.loadAverage1m.before} → ${result.loadAverage1m.after})`);
    } finally {
      if (args.keep || !ok) say(`kept ${workDir}`);
      else fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  const chart = await renderChart(results, path.join(path.dirname(args.out), 'cluster-scaling.json'), args.out.replace(/\.json$/, ''));
  say(`wrote ${args.out}, ${chart.svg}, ${chart.png}`);
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else process.stdout.write(`\n${formatTable(results)}\n`);
  if (results.sizes.some((r) => args.sizes.includes(r.n) && r.status !== 'completed')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`e2e bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
