/**
 * API load on loopback with autocannon, against the real stack: embedded Postgres, a Temporal dev
 * server, trends seeded by one real pipeline pass over the dev CSV (in-process workers), the API on
 * 127.0.0.1:0. Scenarios: GET /api/v1/trends at 100 and 200 connections, GET /api/v1/trends/:id,
 * POST /api/v1/runs with an API key (workers stopped first, and a bounded `amount`, so run starts only
 * queue workflows in the throw-away dev server). Goal: 0 errors and p95 ≤ 20 ms for trend listing.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/api-load.js [--duration 10] [--log info|silent] [--out file.json]
 *
 * Writes bench/results/api-load.json. Everything started here is stopped before exit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import pino from 'pino';
import { listen, type RunningApi } from '../api/server';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/data-source';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded';
import { createApiKey } from '../services/api-keys';
import { startPipelineRun } from '../services/runs';
import { defaultLazyDeps, type WorkerDeps } from '../workers/deps';
import { createQueueWorker } from '../workers/run-worker';
import { SA } from '../workflows/search-attributes';
import { TASK_QUEUES, type QueueName } from '../workflows/task-queues';
import { argument } from './lib/args';

const ROOT = path.resolve(__dirname, '..', '..');
const DEV_CSV = path.resolve(ROOT, '..', 'shared', 'data', 'news-stories-dev.csv');
const RESULTS = path.join(ROOT, 'bench', 'results', 'api-load.json');
const P95_GOAL_MS = 20;
// Bounds the workflows the run-start scenario creates; with `amount` set autocannon stops there, not at `duration`.
const RUN_STARTS_CAP = 1000;
const round2 = (x: number) => Math.round(x * 100) / 100;

interface Scenario {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  duration: number;
  amount?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Another API to aim at (default: the cached one). */
  base?: string;
}

/** What autocannon hands back inside a worker thread (raw counts; it aggregates histograms only on the main thread). */
interface RawResult {
  duration: number;
  totalCompletedRequests: number;
  totalBytes: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
}

/** One autocannon run, reduced to the figures the issue asks for; percentiles come from every response time seen. */
function summarize(s: Scenario, r: RawResult, samples: number[]) {
  samples.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  const pct = (q: number) => round(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN);
  const total = r.totalCompletedRequests;
  // 304 is a success for a revalidating client; autocannon counts it as non-2xx.
  const failed = r.errors + r.timeouts + r['4xx'] + r['5xx'];
  return {
    name: s.name,
    request: `${s.method} ${s.path}`,
    connections: s.connections,
    durationS: r.duration,
    requests: total,
    reqPerSec: Math.round(total / r.duration),
    bytesPerResponse: total > 0 ? Math.round(r.totalBytes / total) : 0,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes: { '1xx': r['1xx'], '2xx': r['2xx'], '3xx': r['3xx'], '4xx': r['4xx'], '5xx': r['5xx'] },
    errorRate: total + r.errors > 0 ? round((failed / (total + r.errors)) * 1e6) / 1e6 : 0,
    latencyMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99), max: pct(1), mean: round(samples.reduce((x, y) => x + y, 0) / (samples.length || 1)) },
  };
}
type LoadResult = ReturnType<typeof summarize>;

/**
 * Runs load() on its own thread so the load generator does not share the API's event loop. The thread
 * evaluates this small script rather than this file: importing the stack's modules there broke the
 * main thread's Postgres connections ("Connection terminated").
 */
const THREAD_SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannonPath);
const samples = [];
const inst = autocannon(workerData.options, (err, result) => {
  if (err) throw err;
  parentPort.postMessage({ result, samples });
});
inst.on('response', (_c, _s, _b, t) => samples.push(t));
`;
function loadOnThread(base: string, s: Scenario): Promise<LoadResult> {
  const options = {
    url: `${base}${s.path}`,
    method: s.method,
    connections: s.connections,
    duration: s.duration,
    ...(s.amount ? { amount: s.amount } : {}),
    headers: s.headers,
    body: s.body,
  };
  return new Promise((resolve, reject) => {
    const thread = new Thread(THREAD_SCRIPT, { eval: true, workerData: { autocannonPath: require.resolve('autocannon'), options } });
    // A throw in this listener would be uncaught and skip the cleanup: turn it into a rejection.
    thread.once('message', ({ result, samples }: { result: RawResult; samples: number[] }) => {
      try {
        resolve(summarize(s, result, samples));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    thread.once('error', reject);
    thread.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load thread exited with ${code}`))));
  });
}

async function run(): Promise<void> {
  const duration = Number(argument('duration', '10'));
  const logLevel = argument('log', 'info');
  const started: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const stop of started.reverse()) await stop().catch((err: unknown) => console.error('cleanup:', err));
  };
  try {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // already installed
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'trendflow-api-load-'));
    started.push(async () => rmSync(tmp, { recursive: true, force: true }));
    const cli = execFileSync(path.join(ROOT, 'scripts', 'ensure-temporal.sh'), { encoding: 'utf8' }).trim();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const [temporal, pg]: [TestWorkflowEnvironment, RunningPostgres] = await Promise.all([
      TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: cli }, searchAttributes: Object.values(SA), extraArgs: ['--log-level', 'error'] },
      }),
      startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port, persistent: false }),
    ]);
    started.push(() => temporal.teardown());
    started.push(() => pg.stop());
    const address = temporal.connection.options.address;
    const config = loadConfig({ TRENDFLOW_DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: pg.url, TEMPORAL_ADDRESS: address, LOG_LEVEL: 'warn' });
    const db = await openDatabase(pg.url); // runs the migrations
    started.push(() => db.destroy());
    const connection = await Connection.connect({ address });
    started.push(() => connection.close());
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address });
    started.push(() => native.close());
    const lazyDeps = defaultLazyDeps(config);
    started.push(async () => (await lazyDeps.getVectorStore().catch(() => undefined))?.close());

    // Seed: one real pipeline pass over the dev CSV.
    const deps: WorkerDeps = { config, db, ...lazyDeps };
    const workers: Worker[] = await Promise.all((Object.keys(TASK_QUEUES) as QueueName[]).map((q) => createQueueWorker(native, 'default', q, deps)));
    const running = workers.map((w) => w.run());
    const stopWorkers = async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
    };
    started.push(stopWorkers);
    const t0 = Date.now();
    const { runId } = await startPipelineRun(client, { sources: [`csv:${DEV_CSV}`], window: 'all', trigger: 'manual' });
    await client.workflow.getHandle(runId).result();
    const seedMs = Date.now() - t0;
    await stopWorkers(); // run starts below must only queue workflows, not run pipelines
    const [{ n: trends }] = (await db.query(`SELECT count(*)::int AS n FROM trends WHERE status = 'active'`)) as [{ n: number }];
    const [{ id: trendId }] = (await db.query(`SELECT id FROM trends WHERE status = 'active' ORDER BY size DESC LIMIT 1`)) as [{ id: number }];
    console.log(`seeded ${trends} active trends in ${seedMs} ms (run ${runId})`);

    const key = (await createApiKey(db, { name: 'bench', rateLimit: 1_000_000_000 })).key;
    const apiConfig = { ...config, api: { ...config.api, rateLimit: { limit: 1_000_000_000, windowMs: 60_000 } } };
    const log = pino({ level: logLevel }, pino.destination({ dest: '/dev/null', sync: false }));
    const api: RunningApi = await listen({ config: apiConfig, db, temporal: () => client, vectorStore: lazyDeps.getVectorStore, log }, '127.0.0.1', 0);
    started.push(() => api.close());
    // The same API with the trend response cache off: what a miss costs, measured under the same load.
    const uncachedConfig = { ...apiConfig, api: { ...apiConfig.api, cacheMaxBytes: 0 } };
    const uncached: RunningApi = await listen({ config: uncachedConfig, db, temporal: () => client, vectorStore: lazyDeps.getVectorStore, log }, '127.0.0.1', 0);
    started.push(() => uncached.close());
    const browser = { 'accept-encoding': 'gzip, deflate, br' };
    // A client revalidating its copy (what `Cache-Control: no-cache` asks browsers to do): 304, no body.
    const etag = (await fetch(`${api.url}/api/v1/trends`, { headers: { 'accept-encoding': 'identity' } })).headers.get('etag') ?? '';

    const scenarios: Scenario[] = [
      { name: 'trends-list-100', method: 'GET', path: '/api/v1/trends', connections: 100, duration },
      { name: 'trends-list-200', method: 'GET', path: '/api/v1/trends', connections: 200, duration },
      // Diagnostics for a miss: service time with no queueing, and how latency scales with page size.
      // As browsers ask (Accept-Encoding): the pre-compressed variant, a fifth of the bytes.
      { name: 'trends-list-br-100', method: 'GET', path: '/api/v1/trends', connections: 100, duration, headers: browser },
      { name: 'trends-list-br-200', method: 'GET', path: '/api/v1/trends', connections: 200, duration, headers: browser },
      { name: 'trends-list-304-100', method: 'GET', path: '/api/v1/trends', connections: 100, duration: Math.max(1, Math.round(duration / 2)), headers: { 'if-none-match': etag } },
      { name: 'trends-list-1', method: 'GET', path: '/api/v1/trends', connections: 1, duration: Math.max(1, Math.round(duration / 2)) },
      { name: 'trends-list-uncached-100', method: 'GET', path: '/api/v1/trends', connections: 100, duration: Math.max(1, Math.round(duration / 2)), base: uncached.url },
      { name: 'trends-list-limit5-100', method: 'GET', path: '/api/v1/trends?limit=5', connections: 100, duration: Math.max(1, Math.round(duration / 2)) },
      { name: 'health-100', method: 'GET', path: '/health', connections: 100, duration: Math.max(1, Math.round(duration / 2)) },
      { name: 'trend-one-100', method: 'GET', path: `/api/v1/trends/${trendId}`, connections: 100, duration },
      { name: 'trend-one-br-100', method: 'GET', path: `/api/v1/trends/${trendId}`, connections: 100, duration: Math.max(1, Math.round(duration / 2)), headers: browser },
      {
        name: 'run-start-100',
        method: 'POST',
        path: '/api/v1/runs',
        connections: 100,
        duration: Math.max(1, Math.round(duration / 2)),
        amount: RUN_STARTS_CAP,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ sources: [`csv:${DEV_CSV}`] }),
      },
    ];
    // Warm-up: JIT, pool connections, prepared plans.
    await loadOnThread(api.url, { name: 'warmup', method: 'GET', path: '/api/v1/trends', connections: 20, duration: 2 });
    const results: Array<LoadResult & { headers?: Record<string, string>; loadAverage1mAfter: number }> = [];
    const loadAtStart = os.loadavg();
    for (const s of scenarios) {
      // The bench's throw-away key is still a credential: never written to the results.
      const headers = s.headers && Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, k === 'authorization' ? 'Bearer <bench key>' : v]));
      const r = { ...(await loadOnThread(s.base ?? api.url, s)), headers, loadAverage1mAfter: round2(os.loadavg()[0] ?? NaN) };
      console.log(`${r.name}: ${Math.round(r.reqPerSec)} req/s, p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, errors ${r.errors}, non-2xx ${r.non2xx}, ${r.bytesPerResponse} B/response, load ${r.loadAverage1mAfter}`);
      results.push(r);
    }
    const listing = results.filter((r) => /^trends-list-(br-)?(100|200)$/.test(r.name));
    const meetsGoal = (r: LoadResult) => r.errorRate === 0 && r.latencyMs.p95 <= P95_GOAL_MS;
    const report = {
      benchmark: 'api-load',
      date: new Date().toISOString(),
      machine: { loadAverageAtStart: loadAtStart.map(round2), loadAverageAtEnd: os.loadavg().map(round2), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
      setup: {
        data: 'news-stories-dev.csv, one real pipeline pass',
        activeTrends: trends,
        seedMs,
        apiLogLevel: logLevel,
        rateLimit: 'raised to 1e9/min for the bench',
        runStartsCap: RUN_STARTS_CAP,
        trendCache: `${Math.round(apiConfig.api.cacheMaxBytes / 2 ** 20)} MB per process (trends-list-uncached-100: off)`,
      },
      goal: { trendListing: `0 errors and p95 ≤ ${P95_GOAL_MS} ms` },
      // Per client kind: without Accept-Encoding (autocannon's default, 98 KB bodies) and as browsers ask.
      met: {
        identity: listing.filter((r) => !r.headers).every(meetsGoal),
        compressed: listing.filter((r) => r.headers).every(meetsGoal),
      },
      results,
    };
    const out = path.resolve(argument('out', RESULTS));
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${path.relative(ROOT, out)}; goal without compression ${report.met.identity ? 'met' : 'MISSED'}, compressed ${report.met.compressed ? 'met' : 'MISSED'}`);
  } finally {
    await cleanup();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
