import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeSlices, type DbCounts } from './data';
import { hostileSources, inspectSources, inspectSummaries, startBadLlm, startHostileServer, writeNestedJsonl } from './hostile';
import { runPhase, type Fault, type Infra, type PhaseOptions, type PhaseResult } from './phase';
import { FaultPostgres, FaultTemporal, freePort, QUEUES } from './stack';

/**
 * Fault-injection suite: `node dist/bench/faults/run.js [--scenarios kill,temporal,postgres] [--runs 20]
 * [--restart-runs 3] [--rows 300] [--budget-min M] [--keep]`. A clean reference phase always runs first on a fresh
 * database; every scenario then replays the same CSV slices on a fresh database of its own and must
 * reproduce the reference's counts run by run. Results go to bench/results/faults-latest.json.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const DEV_CSV = path.resolve(root, '..', 'shared', 'data', 'news-stories-dev.csv');
const ALL = ['kill', 'temporal', 'postgres', 'hostile', 'llm-hang', 'llm-junk'] as const;
type Scenario = (typeof ALL)[number];

function parseArgs(argv: string[]) {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (flag: string, def: number) => {
    const v = get(flag);
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`${flag} must be a positive integer, got ${v}`);
    return n;
  };
  const scenarios = (get('--scenarios') ?? ALL.join(',')).split(',').filter(Boolean);
  for (const s of scenarios) if (!(ALL as readonly string[]).includes(s)) throw new TypeError(`unknown scenario ${s}; known: ${ALL.join(', ')}`);
  return {
    scenarios: scenarios as Scenario[],
    runs: int('--runs', 20),
    restartRuns: int('--restart-runs', 3),
    rows: int('--rows', 300),
    keep: argv.includes('--keep'),
    /** Stop starting runs after this many minutes (0 = no budget), so a CI subset stays bounded. */
    budgetMin: get('--budget-min') === undefined ? 0 : int('--budget-min', 0),
    out: get('--out') ?? path.join(root, 'bench', 'results', 'faults-latest.json'),
  };
}


// Pools in turn (the moment within the run stays random), so every pool is killed even in a short run.
const killWorker: Fault = async ({ pool, run }) => {
  const queue = QUEUES[run % QUEUES.length] as (typeof QUEUES)[number];
  const pid = pool.pid(queue);
  pool.killOne(queue);
  return `kill -9 worker:${queue} (pid ${pid})`;
};

const restartTemporal: Fault = async ({ infra }) => {
  await infra.temporal.kill();
  await sleep(1000);
  await infra.temporal.start();
  return 'kill -9 temporal dev server, restarted on the same SQLite file and port';
};

const restartPostgres: Fault = async ({ infra }) => {
  const t0 = Date.now();
  await infra.pg.stop();
  await sleep(5000);
  await infra.pg.start();
  return `postgres stopped and restarted (${Date.now() - t0} ms down)`;
};

const FAULTS: Partial<Record<Scenario, Fault>> = { kill: killWorker, temporal: restartTemporal, postgres: restartPostgres };

/** Where a scenario's runs differ from the reference's run by run (counts, status, assignments). */
function mismatches(ref: PhaseResult, got: PhaseResult): string[] {
  const out: string[] = [];
  const keys: Array<keyof DbCounts> = ['items', 'embeddings', 'trendMembers', 'duplicateUrls', 'duplicateEmbeddings'];
  for (const r of got.runs) {
    const want = ref.runs[r.run];
    if (r.status !== 'completed') out.push(`run ${r.run}: status ${r.status}${r.error ? ` (${r.error})` : ''}`);
    if (r.assigned !== r.itemsInWindow) out.push(`run ${r.run}: ${r.assigned} cluster assignments for ${r.itemsInWindow} items`);
    if (!want) continue;
    if (got.name === 'hostile') {
      const rows = (r.extra?.sources ?? []) as Array<{ spec: string; status: string; inserted: number }>;
      const csv = rows.find((x) => x.spec.startsWith('csv:'));
      if (csv?.status !== 'ok' || csv.inserted !== want.newItems) out.push(`run ${r.run}: csv source ${JSON.stringify(csv)} vs reference ${want.newItems} items`);
      continue; // the hostile sources may add their few good items, so totals are not comparable
    }
    if (r.newItems !== want.newItems) out.push(`run ${r.run}: ${r.newItems} new items, reference ${want.newItems}`);
    for (const k of keys) {
      if (r.counts?.[k] !== want.counts?.[k]) out.push(`run ${r.run}: ${k} ${r.counts?.[k]} vs reference ${want.counts?.[k]}`);
    }
  }
  return out;
}

function summarize(p: PhaseResult, ref: PhaseResult | undefined) {
  const d = p.runs.map((r) => r.durationMs).sort((a, b) => a - b);
  const mm = ref ? mismatches(ref, p) : p.runs.filter((r) => r.status !== 'completed').map((r) => `run ${r.run}: ${r.status}`);
  return {
    scenario: p.name,
    runs: p.runs.length,
    completed: p.runs.filter((r) => r.status === 'completed').length,
    mismatches: mm.length,
    mismatchDetails: mm,
    workerKills: p.workerKills,
    durationMs: { total: p.durationMs, p50: d[Math.floor(d.length / 2)] ?? 0, max: d[d.length - 1] ?? 0 },
    finalCounts: p.counts,
    perRun: p.runs,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const say = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'trendflow-faults-'));
  say(`work dir ${workDir}; scenarios ${args.scenarios.join(',')}; ${args.runs} runs × ${args.rows} rows`);
  const slices = writeSlices(DEV_CSV, path.join(workDir, 'slices'), args.runs, args.rows);
  const pg = new FaultPostgres(path.join(workDir, 'pg'), await freePort());
  const temporal = new FaultTemporal(path.join(workDir, 'temporal.db'), await freePort(), path.join(workDir, 'temporal.log'));
  const infra: Infra = { pg, temporal, workDir };
  await pg.start();
  await temporal.start();
  const results: Array<ReturnType<typeof summarize>> = [];
  const write = () => {
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    const doc = { generatedAt: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version }, args: { ...args, out: undefined }, results };
    fs.writeFileSync(args.out, JSON.stringify(doc, null, 2) + '\n');
  };
  try {
    const stopAt = args.budgetMin > 0 ? Date.now() + args.budgetMin * 60_000 : undefined;
    const common = { runTimeoutMs: 10 * 60_000, log: say, stopAt };
    const ref = await runPhase(infra, { ...common, name: 'reference', slices });
    results.push(summarize(ref, undefined));
    write();
    for (const s of args.scenarios) {
      const n = s === 'kill' ? args.runs : Math.min(args.restartRuns, args.runs);
      // Fire somewhere inside the run, judged by how long the clean run of the same slice took.
      const faultDelayMs = (i: number) => 300 + Math.random() * 0.8 * (ref.runs[i]?.durationMs ?? 5000);
      const opts: PhaseOptions = { ...common, name: s, slices: slices.slice(0, n), fault: FAULTS[s], faultDelayMs };
      const servers: Array<{ close(): Promise<void> }> = [];
      try {
        if (s === 'hostile') {
          const hostile = await startHostileServer();
          servers.push(hostile);
          opts.extraSources = hostileSources(hostile.base, writeNestedJsonl(workDir));
          opts.env = { COLLECT_BASE_URLS: `hn=${hostile.base}/` };
          opts.inspect = inspectSources;
        } else if (s === 'llm-hang' || s === 'llm-junk') {
          const llm = await startBadLlm(s === 'llm-hang' ? 'hang' : 'junk');
          servers.push(llm);
          opts.env = { LLM_BASE_URL: llm.base, LLM_MODEL: 'fault-model', LLM_API_KEY: 'fault', LLM_TIMEOUT_MS: '5000' };
          opts.inspect = (db, runId) => inspectSummaries(db, runId);
        }
        results.push(summarize(await runPhase(infra, opts), ref));
      } finally {
        for (const srv of servers) await srv.close();
      }
      write();
    }
  } finally {
    await temporal.kill();
    await pg.stop();
    if (!args.keep) fs.rmSync(workDir, { recursive: true, force: true });
  }
  for (const r of results) {
    say(`${r.scenario.padEnd(10)} runs ${r.runs} completed ${r.completed} mismatches ${r.mismatches} kills ${r.workerKills} p50 ${r.durationMs.p50} ms max ${r.durationMs.max} ms total ${Math.round(r.durationMs.total / 1000)} s`);
    for (const m of r.mismatchDetails.slice(0, 10)) say(`  ${m}`);
  }
  say(`results: ${args.out}`);
  if (results.some((r) => r.completed !== r.runs || r.mismatches > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`fault suite failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
