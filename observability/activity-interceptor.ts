import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { PipelineMetrics } from './pipeline-metrics';

/** The failure's type for the `error_type` label: ApplicationFailure.type, else the error class name. */
export function failureType(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  if (err instanceof CancelledFailure) return 'Cancelled';
  if (err instanceof Error) return err.name || 'Error';
  return 'unknown';
}

/**
 * Times every activity into `trendflow_activity_duration_seconds`, counts failed attempts by type, and
 * logs one JSON line per attempt carrying the workflow id (= the trendflow run id), its run id, the
 * activity and the attempt, so a run's log lines can be pulled out of any worker's output.
 */
export function activityObservability(metrics: PipelineMetrics, log?: Logger): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const info = ctx.info;
        const labels = { activity: info.activityType, task_queue: info.taskQueue };
        const attemptLog = log?.child({
          workflowId: info.workflowExecution?.workflowId,
          workflowRunId: info.workflowExecution?.runId,
          activity: info.activityType,
          activityId: info.activityId,
          attempt: info.attempt,
        });
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        attemptLog?.debug('activity started');
        try {
          const result = await next(input);
          const s = seconds();
          metrics.activityDuration.observe({ ...labels, outcome: 'completed' }, s);
          attemptLog?.info({ ms: Math.round(s * 1000) }, 'activity completed');
          return result;
        } catch (err) {
          const s = seconds();
          const type = failureType(err);
          const cancelled = type === 'Cancelled' || ctx.cancellationSignal.aborted;
          metrics.activityDuration.observe({ ...labels, outcome: cancelled ? 'cancelled' : 'failed' }, s);
          if (!cancelled) metrics.activityFailures.inc({ ...labels, error_type: type });
          attemptLog?.warn({ ms: Math.round(s * 1000), errorType: type, error: err instanceof Error ? err.message : String(err) }, 'activity failed');
          throw err;
        }
      },
    },
  });
}
