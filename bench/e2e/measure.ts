import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../../db/data-source';
import { evaluateRun } from '../../services/eval';
import { newRunId, startPipelineRun } from '../../services/runs';
import { TASK_QUEUES, type QueueName } from '../../workflows/task-queues';
import type { RunProgress } from '../../workflows/types';
import { BenchPostgres, cpuSeconds, freePort, peakRssKb, QUEUES, TemporalDevServer, treeCpuSeconds, treePeaksKb, WorkerPool } from '../lib/stack';
import { breakdown, type RunBreakdown } from './history';

/** What one pipeline run over one generated file measured. */
export interface SizeMeasurement {
  runId: string;
  status: string;
  /** Client's start call → result, ms. */
  endToEndMs: number;
  /** Stack start-up (Postgres, Temporal, workers polling), not part of endToEndMs. */
  stackStartMs: number;
  breakdown: RunBreakdown;
  items: { fetched: number; stored: number; embedded: number; clustered: number; noise: number };
  trends: number;
  summaries: number;
  quality: { nmi: number; ari: number; vMeasure: number; clusters: number; noiseFraction: number; labelled: number } | { error: string };
  /**
   * CPU seconds each process used during the run (start call → result). Unlike wall time this barely moves
   * with other jobs on the machine, so sum / cores bounds what a dedicated box could do.
   */
  cpuSeconds: Record<string, number | undefined>;
  /** VmHWM (peak RSS over the process lifetime), MB. */
  peakRssMb: Record<string, number | undefined>;
  workerExits: WorkerPool['exits'];
}

export interface MeasureOptions {
  csvFile: string;
  workDir: string;
  /** Extra worker env (e.g. EMBED_THREADS); the defaults are what `npm start` uses. */
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Queues whose worker runs with --cpu-prof, writing .cpuprofile files (one per thread) under workDir/prof-<queue>. */
  profile?: readonly QueueName[];
  log: (line: string) => void;
}

const mb = (kb: number | undefined): number | undefined => (kb === undefined ? undefined : Math.round(kb / 1024));

/** CPU seconds so far of every process of the stack (Postgres: the postmaster and its live backends). */
function cpuSnapshot(pool: WorkerPool, pg: BenchPostgres, temporal: TemporalDevServer): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const q of QUEUES) out[`worker:${q}`] = cpuSeconds(pool.pid(q));
  out['postgres'] = treeCpuSeconds(pg.postmasterPid());
  out['temporal'] = cpuSeconds(temporal.pid);
  return out;
}

/** Waits until every task queue has a poller, so worker start-up is not counted as pipeline time. */
async function waitForPollers(client: Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // TaskQueueType: 1 = workflow tasks, 2 = activity tasks. The workflows worker serves both.
  const wanted = [...QUEUES.map((q) => ({ name: TASK_QUEUES[q], type: 2 as const })), { name: TASK_QUEUES.workflows, type: 1 as const }];
  for (const { name, type } of wanted) {
    for (;;) {
      const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name }, taskQueueType: type });
      if ((res.pollers?.length ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`no worker polls ${name} after ${timeoutMs} ms; see the workers log in the work dir`);
      await sleep(250);
    }
  }
}

/** Logs the run's stage and counts every few seconds while it runs (the `progress` query). */
function watchProgress(client: Client, runId: string, log: (line: string) => void): () => void {
  let stopped = false;
  const started = Date.now();
  void (async () => {
    let last = '';
    while (!stopped) {
      await sleep(3000);
      if (stopped) break;
      const p = await client.workflow.getHandle(runId).query<RunProgress>('progress').catch(() => undefined);
      if (!p || stopped) continue;
      const s = p.stats;
      const line =
        `${p.stage}: items ${s.items.new}/${s.items.fetched}, embed batches ${s.embed.batchesDone}/${s.embed.batches}, ` +
        `trends ${s.cluster.clusters}, summaries ${s.summarize.done}/${s.summarize.total}`;
      if (line !== last) log(`  ${((Date.now() - started) / 1000).toFixed(0)} s ${line}`);
      last = line;
    }
  })();
  return () => {
    stopped = true;
  };
}

/**
 * A fresh stack (embedded Postgres, Temporal dev server, one process per task queue), one pipeline run of
 * `csv:<file>` with window `all`, then the history breakdown, quality against the STORY column and the
 * peak memory of every process, read before anything is stopped. Everything started here is stopped here.
 */
export async function measureSize(o: MeasureOptions): Promise<SizeMeasurement> {
  const t0 = Date.now();
  const pg = new BenchPostgres(path.join(o.workDir, 'pg'), await freePort());
  const temporal = new TemporalDevServer(path.join(o.workDir, 'temporal.db'), await freePort(), path.join(o.workDir, 'temporal.log'));
  let pool: WorkerPool | undefined;
  let connection: Connection | undefined;
  try {
    await pg.start();
    await temporal.start();
    const url = await pg.createDatabase('bench_e2e');
    await (await openDatabase(url)).destroy(); // runs the migrations before any worker connects
    const dataDir = path.join(o.workDir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    // A worker that dies fails the measurement at once instead of leaving the run to time out.
    let workerDied: (err: Error) => void = () => undefined;
    const died = new Promise<never>((_, reject) => (workerDied = reject));
    died.catch(() => undefined); // observed through the races below
    pool = new WorkerPool(
      { DATABASE_URL: url, TEMPORAL_ADDRESS: temporal.address, TRENDFLOW_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...o.env },
      path.join(o.workDir, 'workers.log'),
      {
        restart: false,
        execArgvFor: (q) => (o.profile?.includes(q) ? ['--cpu-prof', `--cpu-prof-dir=${path.join(o.workDir, `prof-${q}`)}`] : []),
        onExit: (e) => workerDied(new Error(`worker ${e.queue} exited (code ${e.code}, signal ${e.signal}); see ${path.join(o.workDir, 'workers.log')}`)),
      },
    );
    pool.start();
    connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    await Promise.race([waitForPollers(client, 120_000), died]);
    const stackStartMs = Date.now() - t0;
    o.log(`  stack up in ${(stackStartMs / 1000).toFixed(1)} s; starting the run`);

    const cpuBefore = cpuSnapshot(pool, pg, temporal);
    const started = Date.now();
    const { runId } = await startPipelineRun(client, { sources: [`csv:${o.csvFile}`], window: 'all', trigger: 'manual' }, newRunId('bench'));
    const stopWatch = watchProgress(client, runId, o.log);
    const handle = client.workflow.getHandle(runId);
    let result: RunProgress;
    try {
      const timeout = sleep(o.timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`run ${runId} did not finish within ${o.timeoutMs} ms`);
      });
      result = (await Promise.race([handle.result(), timeout, died])) as RunProgress;
    } finally {
      stopWatch();
    }
    const endToEndMs = Date.now() - started;

    const cpuAfter = cpuSnapshot(pool, pg, temporal);
    const cpu: Record<string, number | undefined> = {};
    for (const [k, v] of Object.entries(cpuAfter)) cpu[k] = v === undefined ? undefined : Math.round((v - (cpuBefore[k] ?? 0)) * 10) / 10;
    // Peaks first: nothing below should count towards the pipeline's memory.
    const peakRssMb: Record<string, number | undefined> = {};
    for (const q of QUEUES) peakRssMb[`worker:${q}`] = mb(peakRssKb(pool.pid(q)));
    const pgPeaks = treePeaksKb(pg.postmasterPid());
    peakRssMb['postgres:postmaster'] = mb(pgPeaks?.rootKb);
    peakRssMb['postgres:largestProcess'] = mb(pgPeaks?.maxKb);
    peakRssMb['postgres:sumOfProcesses'] = mb(pgPeaks?.sumKb);
    peakRssMb['temporal'] = mb(peakRssKb(temporal.pid));

    const history = breakdown(await handle.fetchHistory());
    const db = await openDatabase(url, 2);
    try {
      const [{ stored }] = (await db.query('SELECT count(*)::int AS stored FROM items')) as [{ stored: number }];
      let quality: SizeMeasurement['quality'];
      try {
        const q = await evaluateRun(db, runId, { labelsPath: o.csvFile, labelColumn: 'STORY', urlColumn: 'URL', idColumn: 'ID' });
        quality = { nmi: q.nmi, ari: q.ari, vMeasure: q.vMeasure, clusters: q.clusters, noiseFraction: q.noiseFraction, labelled: q.items };
      } catch (err) {
        quality = { error: err instanceof Error ? err.message : String(err) };
      }
      const s = result.stats;
      return {
        runId,
        status: result.status,
        endToEndMs,
        stackStartMs,
        breakdown: history,
        items: { fetched: s.items.fetched, stored, embedded: s.embed.embedded, clustered: s.cluster.items, noise: s.cluster.noise },
        trends: s.cluster.clusters,
        summaries: s.summarize.done,
        quality,
        cpuSeconds: cpu,
        peakRssMb,
        workerExits: [...pool.exits],
      };
    } finally {
      await db.destroy();
    }
  } finally {
    await connection?.close();
    await pool?.stop();
    await temporal.kill();
    await pg.stop();
  }
}
