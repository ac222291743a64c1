import type { WorkflowHandle } from '@temporalio/client';

/**
 * Where a pipeline run's time went, read from its Temporal event history: per stage, the activities'
 * wall span, busy time and queueing; and the Temporal overhead, the part of the workflow's wall time
 * during which no activity was executing (workflow tasks, scheduling, dispatch, server round trips).
 *
 * History records one ActivityTaskStarted per activity, for its last attempt (earlier attempts leave no
 * event), so execution time is the last attempt's and a retry's backoff shows up as schedule-to-start wait.
 */
export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];
type Timestamp = HistoryEvent['eventTime'];

export const STAGES = ['collect', 'embed', 'cluster', 'summarize', 'bookkeeping'] as const;
export type Stage = (typeof STAGES)[number];

const STAGE_OF: Record<string, Stage> = {
  collectSource: 'collect',
  planEmbedBatches: 'embed',
  embedBatch: 'embed',
  clusterWindow: 'cluster',
  summarizeTrend: 'summarize',
};

/** The stage an activity type belongs to; anything unlisted (startRun, finalizeRun, recordSourceFailure…) is bookkeeping. */
export const stageOf = (activityType: string): Stage => STAGE_OF[activityType] ?? 'bookkeeping';

export interface ActivitySpan {
  type: string;
  stage: Stage;
  scheduledMs: number;
  startedMs?: number;
  closedMs?: number;
  attempt: number;
  outcome: 'completed' | 'failed' | 'timedOut' | 'canceled' | 'open';
}

export interface StageBreakdown {
  stage: Stage;
  activities: number;
  /** Attempts beyond the first, summed. */
  retries: number;
  /** First scheduled → last closed. */
  spanMs: number;
  /** Length of the union of the stage's execution intervals (started → closed): time with ≥ 1 activity running. */
  busyMs: number;
  /** Execution time summed over activities (> busyMs when they ran in parallel). */
  execSumMs: number;
  /** Schedule-to-start waits (queueing in Temporal plus worker slots), summed and the longest. */
  waitSumMs: number;
  waitMaxMs: number;
  /** Execution time summed per activity type, e.g. planEmbedBatches (includes a cold model load) vs embedBatch. */
  execByTypeMs: Record<string, number>;
}

export interface RunBreakdown {
  /** Workflow started → closed, by the server's clock. */
  workflowWallMs: number;
  /** Time with at least one activity executing. */
  activityBusyMs: number;
  /** workflowWallMs − activityBusyMs. */
  temporalOverheadMs: number;
  workflowTasks: { count: number; sumMs: number };
  stages: StageBreakdown[];
}

const num = (v: unknown): number => Number(String(v ?? 0));
const ms = (t: Timestamp): number => (t ? num(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6 : NaN);

/** Every activity of the history with its schedule, start and close times. */
export function activitySpans(history: History): ActivitySpan[] {
  const byScheduled = new Map<number, ActivitySpan>();
  const close = (scheduledEventId: unknown, at: number, outcome: ActivitySpan['outcome']) => {
    const span = byScheduled.get(num(scheduledEventId));
    if (span) Object.assign(span, { closedMs: at, outcome });
  };
  for (const e of history.events ?? []) {
    const at = ms(e.eventTime);
    if (e.activityTaskScheduledEventAttributes) {
      const type = e.activityTaskScheduledEventAttributes.activityType?.name ?? 'unknown';
      byScheduled.set(num(e.eventId), { type, stage: stageOf(type), scheduledMs: at, attempt: 1, outcome: 'open' });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      const span = byScheduled.get(num(a.scheduledEventId));
      if (span) Object.assign(span, { startedMs: at, attempt: a.attempt ?? 1 });
    } else if (e.activityTaskCompletedEventAttributes) close(e.activityTaskCompletedEventAttributes.scheduledEventId, at, 'completed');
    else if (e.activityTaskFailedEventAttributes) close(e.activityTaskFailedEventAttributes.scheduledEventId, at, 'failed');
    else if (e.activityTaskTimedOutEventAttributes) close(e.activityTaskTimedOutEventAttributes.scheduledEventId, at, 'timedOut');
    else if (e.activityTaskCanceledEventAttributes) close(e.activityTaskCanceledEventAttributes.scheduledEventId, at, 'canceled');
  }
  return [...byScheduled.values()];
}

/** Total length of the union of [from, to) intervals. */
export function unionLength(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

const executed = (spans: ActivitySpan[]): Array<[number, number]> =>
  spans.flatMap((s) => (s.startedMs !== undefined && s.closedMs !== undefined ? [[s.startedMs, s.closedMs] as [number, number]] : []));

function stageBreakdown(stage: Stage, spans: ActivitySpan[]): StageBreakdown {
  const waits = spans.flatMap((s) => (s.startedMs !== undefined ? [s.startedMs - s.scheduledMs] : []));
  const execByTypeMs: Record<string, number> = {};
  for (const s of spans) if (s.startedMs !== undefined && s.closedMs !== undefined) execByTypeMs[s.type] = (execByTypeMs[s.type] ?? 0) + s.closedMs - s.startedMs;
  const closed = spans.flatMap((s) => (s.closedMs !== undefined ? [s.closedMs] : []));
  for (const t of Object.keys(execByTypeMs)) execByTypeMs[t] = Math.round(execByTypeMs[t] ?? 0);
  return {
    stage,
    activities: spans.length,
    retries: spans.reduce((n, s) => n + s.attempt - 1, 0),
    spanMs: Math.round(spans.length > 0 && closed.length > 0 ? Math.max(...closed) - Math.min(...spans.map((s) => s.scheduledMs)) : 0),
    busyMs: Math.round(unionLength(executed(spans))),
    execSumMs: Object.values(execByTypeMs).reduce((a, b) => a + b, 0),
    waitSumMs: Math.round(waits.reduce((a, b) => a + b, 0)),
    waitMaxMs: Math.round(waits.length > 0 ? Math.max(...waits) : 0),
    execByTypeMs,
  };
}

/** Per-stage breakdown and Temporal overhead of one closed workflow run. */
export function breakdown(history: History): RunBreakdown {
  const events = history.events ?? [];
  const first = events[0];
  const last = events[events.length - 1];
  if (!first?.workflowExecutionStartedEventAttributes || !last) throw new Error('history does not start with WorkflowExecutionStarted');
  const workflowWallMs = ms(last.eventTime) - ms(first.eventTime);
  const spans = activitySpans(history);
  const activityBusyMs = unionLength(executed(spans));
  const scheduledAt = new Map<number, number>();
  let wfTasks = 0;
  let wfTaskMs = 0;
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes) scheduledAt.set(num(e.eventId), ms(e.eventTime));
    const done = e.workflowTaskCompletedEventAttributes;
    if (done) {
      wfTasks++;
      wfTaskMs += ms(e.eventTime) - (scheduledAt.get(num(done.scheduledEventId)) ?? ms(e.eventTime));
    }
  }
  // Server timestamps carry microseconds; whole milliseconds are plenty for a results file.
  return {
    workflowWallMs: Math.round(workflowWallMs),
    activityBusyMs: Math.round(activityBusyMs),
    temporalOverheadMs: Math.round(workflowWallMs - activityBusyMs),
    workflowTasks: { count: wfTasks, sumMs: Math.round(wfTaskMs) },
    stages: STAGES.map((stage) => stageBreakdown(stage, spans.filter((s) => s.stage === stage))),
  };
}
