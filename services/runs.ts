import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { RunEntity, RunSourceEntity } from '../db/entities';
import { SA } from '../workflows/search-attributes';
import { TASK_QUEUES } from '../workflows/task-queues';
import type { PipelineParams, RunProgress } from '../workflows/types';
import { NotFoundError } from './errors';

/** `run-<trigger>-<UTC time>-<random>`: sortable, readable in the Web UI, unique without coordination. */
export function newRunId(trigger: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${trigger}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Starts a pipeline workflow; returns at once with the run id. */
export async function startPipelineRun(client: Client, params: PipelineParams, runId = newRunId(params.trigger ?? 'api')) {
  const handle = await client.workflow.start('trendPipelineWorkflow', {
    taskQueue: TASK_QUEUES.workflows,
    workflowId: runId,
    args: [params],
    typedSearchAttributes: [
      { key: SA.status, value: 'running' },
      { key: SA.trigger, value: params.trigger ?? 'api' },
      { key: SA.sources, value: params.sources.map((s) => s.slice(0, 200)) },
    ],
    memo: { window: params.window, sources: params.sources },
  });
  return { runId: handle.workflowId, firstExecutionRunId: handle.firstExecutionRunId };
}

export interface RunView {
  runId: string;
  status: string;
  trigger: string | null;
  params: unknown;
  createdAt: string | null;
  finishedAt: string | null;
  progress: RunProgress | null;
  sources: Array<Pick<RunSourceEntity, 'spec' | 'status' | 'fetched' | 'inserted' | 'duplicates' | 'skipped' | 'errorType' | 'error'>>;
  error: string | null;
}

/** Status from Postgres, with live progress from the workflow's `progress` query while it can answer. */
export async function getRun(db: DataSource, client: Client, runId: string): Promise<RunView> {
  const row = await db.getRepository(RunEntity).findOneBy({ id: runId });
  const handle = client.workflow.getHandle(runId);
  let progress: RunProgress | null = null;
  let temporalStatus: string | undefined;
  try {
    const desc = await handle.describe();
    temporalStatus = desc.status.name;
    // Only a running workflow is queried (a query on a closed one needs a worker to replay it);
    // a completed one returns its final progress as its result.
    if (temporalStatus === 'RUNNING') progress = await handle.query<RunProgress>('progress');
    else if (temporalStatus === 'COMPLETED') progress = (await handle.result()) as RunProgress;
  } catch (err) {
    // A finished workflow beyond retention, or one whose worker is down, cannot answer; the row still can.
    if (err instanceof WorkflowNotFoundError && !row) throw new NotFoundError('run', runId);
  }
  if (!row && !temporalStatus) throw new NotFoundError('run', runId);
  const sources = row ? await db.getRepository(RunSourceEntity).findBy({ runId }) : [];
  const status = progress?.status ?? row?.status ?? (temporalStatus ?? 'unknown').toLowerCase();
  return {
    runId,
    status,
    trigger: row?.trigger ?? null,
    params: row?.params ?? null,
    createdAt: row?.createdAt.toISOString() ?? null,
    finishedAt: row?.finishedAt?.toISOString() ?? null,
    progress,
    sources: sources.map(({ spec, status: s, fetched, inserted, duplicates, skipped, errorType, error }) => ({
      spec, status: s, fetched, inserted, duplicates, skipped, errorType, error,
    })),
    error: row?.error ?? progress?.error ?? null,
  };
}

export interface RunCursor {
  /** created_at with microseconds, as Postgres stores it. */
  createdAt: string;
  id: string;
}

/** Newest first, keyset-paginated on (created_at, id) so runs created in the same millisecond are never skipped. */
export async function listRuns(db: DataSource, limit: number, cursor?: RunCursor) {
  const qb = db
    .getRepository(RunEntity)
    .createQueryBuilder('r')
    .addSelect(`to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'cursor_ts')
    .orderBy('r.created_at', 'DESC')
    .addOrderBy('r.id', 'DESC')
    .limit(limit);
  if (cursor) qb.where('(r.created_at, r.id) < (CAST(:ts AS timestamptz), :id)', { ts: cursor.createdAt, id: cursor.id });
  const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
  const last = entities[entities.length - 1];
  const lastRaw = raw[raw.length - 1];
  const next: RunCursor | null = entities.length === limit && last && lastRaw ? { createdAt: lastRaw.cursor_ts, id: last.id } : null;
  const runs = entities.map((r) => ({
    runId: r.id,
    status: r.status,
    trigger: r.trigger,
    params: r.params,
    stats: r.stats,
    error: r.error,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
  return { runs, next };
}
