import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../db/data-source';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { assignmentsMatch, countDb, type DbCounts } from './data';
import { WorkerPool, type FaultPostgres, type FaultTemporal } from './stack';

export interface Infra {
  pg: FaultPostgres;
  temporal: FaultTemporal;
  workDir: string;
}

/** What a fault did during one run, for the log and the results file. */
export type Fault = (ctx: { pool: WorkerPool; infra: Infra; run: number }) => Promise<string>;

export interface RunRecord {
  run: number;
  runId: string;
  status: string;
  durationMs: number;
  newItems: number;
  assigned: number;
  itemsInWindow: number;
  /** Database totals right after this run. */
  counts?: DbCounts;
  fault?: string;
  error?: string;
  extra?: Record<string, unknown>;
}

export interface PhaseResult {
  name: string;
  runs: RunRecord[];
  counts: DbCounts;
  workerKills: number;
  durationMs: number;
}

export interface PhaseOptions {
  name: string;
  slices: string[];
  /** Fires once per run, after a delay drawn from faultDelayMs(run). */
  fault?: Fault;
  faultDelayMs?: (run: number) => number;
  /** Sources added to every run next to its CSV slice (hostile feeds). */
  extraSources?: string[];
  /** Scenario-specific facts recorded per run (source outcomes, worker memory, summary methods). */
  inspect?: (db: DataSource, runId: string, pool: WorkerPool) => Promise<Record<string, unknown>>;
  /** Extra env for the workers (e.g. LLM_BASE_URL). */
  env?: NodeJS.ProcessEnv;
  runTimeoutMs: number;
  /** Epoch ms after which no new run is started (a time budget); the phase reports what it ran. */
  stopAt?: number;
  log: (line: string) => void;
}

/** Waits for a workflow result, riding out a Temporal server that is down or restarting. */
async function awaitResult(client: Client, runId: string, timeoutMs: number): Promise<RunProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await client.workflow.getHandle(runId).result()) as RunProgress;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (Date.now() > deadline) throw new Error(`run ${runId} did not finish in ${timeoutMs} ms (last error: ${msg})`);
      if (/WorkflowFailed|terminated|cancel/i.test(err instanceof Error ? err.name + msg : msg)) throw err;
      await sleep(1000);
    }
  }
}

async function withRetry<T>(what: () => Promise<T>, attempts = 60): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await what();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(1000);
    }
  }
}

/**
 * One scenario: a fresh database and data dir, the five workers as child processes, then the slices
 * run one after another, each with its fault injected at a random point while it runs.
 */
export async function runPhase(infra: Infra, opts: PhaseOptions): Promise<PhaseResult> {
  const started = Date.now();
  const dbName = `faults_${opts.name.replace(/\W/g, '_')}`;
  const url = await infra.pg.createDatabase(dbName);
  await (await openDatabase(url)).destroy(); // runs the migrations
  const dataDir = path.join(infra.workDir, `data-${opts.name}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const pool = new WorkerPool(
    { DATABASE_URL: url, TEMPORAL_ADDRESS: infra.temporal.address, TRENDFLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...opts.env },
    path.join(infra.workDir, `workers-${opts.name}.log`),
  );
  pool.start();
  const connection = await Connection.connect({ address: infra.temporal.address });
  const client = new Client({ connection });
  const runs: RunRecord[] = [];
  try {
    for (const [i, file] of opts.slices.entries()) {
      if (opts.stopAt !== undefined && Date.now() > opts.stopAt) {
        opts.log(`[${opts.name}] time budget spent: ${i} of ${opts.slices.length} runs done`);
        break;
      }
      const t0 = Date.now();
      const { runId } = await withRetry(() => startPipelineRun(client, { sources: [`csv:${file}`, ...(opts.extraSources ?? [])], window: 'all', trigger: 'manual' }));
      let fault: Promise<string> | undefined;
      if (opts.fault && opts.faultDelayMs) {
        const f = opts.fault;
        fault = sleep(opts.faultDelayMs(i)).then(() => f({ pool, infra, run: i }));
      }
      const rec: RunRecord = { run: i, runId, status: 'unknown', durationMs: 0, newItems: 0, assigned: 0, itemsInWindow: 0 };
      try {
        const result = await awaitResult(client, runId, opts.runTimeoutMs);
        rec.status = result.status;
        rec.newItems = result.stats.items.new;
        if (result.error) rec.error = result.error;
      } catch (err) {
        rec.status = 'error';
        rec.error = err instanceof Error ? err.message : String(err);
      }
      rec.durationMs = Date.now() - t0;
      if (fault) rec.fault = await fault; // a fault that fires after the run still finishes before the next
      const db = await withRetry(() => openDatabase(url, 2));
      try {
        const a = await assignmentsMatch(db, runId);
        rec.assigned = a.assigned;
        rec.itemsInWindow = a.items;
        rec.counts = await countDb(db);
        if (opts.inspect) rec.extra = await opts.inspect(db, runId, pool);
      } finally {
        await db.destroy();
      }
      runs.push(rec);
      opts.log(`[${opts.name}] run ${i} ${rec.status} in ${rec.durationMs} ms, +${rec.newItems} items, assigned ${rec.assigned}/${rec.itemsInWindow}${rec.fault ? ` — ${rec.fault}` : ''}`);
    }
  } finally {
    await connection.close();
    await pool.stop();
  }
  const db = await openDatabase(url, 2);
  const counts = await countDb(db);
  await db.destroy();
  return { name: opts.name, runs, counts, workerKills: pool.kills, durationMs: Date.now() - started };
}
