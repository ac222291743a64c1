import type { DataSource } from 'typeorm';
import { RunEntity, RunSourceEntity } from '../../db/entities';
import { appendEvents, pruneEvents, runOutcomeEvents } from '../../services/events';
import { anyWebhookWants } from '../../services/webhooks';
import type { FinalizeRunInput, FinalizeRunResult, RecordSourceFailureInput, StartRunInput } from '../../workflows/types';

export interface RunActivityDeps {
  db: DataSource;
  /** Events (and their webhook deliveries) older than this many days are deleted when a run ends; 0 keeps all. */
  eventsRetentionDays?: number;
}

/** Run bookkeeping: the `runs` row mirrors the workflow so the API can list runs without Temporal. */
export function createRunActivities({ db, eventsRetentionDays = 0 }: RunActivityDeps) {
  return {
    /** Creates (or, on retry, keeps) the run row. */
    async startRun(input: StartRunInput): Promise<void> {
      await db
        .createQueryBuilder()
        .insert()
        .into(RunEntity)
        .values({
          id: input.runId,
          status: 'running',
          trigger: input.params.trigger ?? 'api',
          params: { ...input.params },
          windowFrom: input.windowFromMs === null ? null : new Date(input.windowFromMs),
          windowTo: new Date(input.windowToMs),
        })
        .orIgnore()
        .execute();
      await appendEvents(db, [
        { type: 'run.started', runId: input.runId, payload: { trigger: input.params.trigger ?? 'api', sources: input.params.sources, window: input.params.window } },
      ]);
    },

    /** Records why a source failed for this run (the collect activity could not, having failed). */
    async recordSourceFailure(input: RecordSourceFailureInput): Promise<void> {
      await db
        .createQueryBuilder()
        .insert()
        .into(RunSourceEntity)
        .values({
          runId: input.runId,
          spec: input.spec,
          status: 'failed',
          errorType: input.errorType,
          error: input.message.slice(0, 2000),
        })
        .orUpdate(['status', 'error_type', 'error'], ['run_id', 'spec'])
        .execute();
      await appendEvents(db, [
        { type: 'run.progress', runId: input.runId, subject: `source:${input.spec}`, payload: { stage: 'collecting', source: input.spec, status: 'failed', error: input.message.slice(0, 500) } },
      ]);
    },

    /**
     * Records the outcome and its events (outcome, emerging trends, digest) in one transaction; hands
     * back the events some webhook wants, for the workflow to deliver, or undefined when none does.
     */
    async finalizeRun(input: FinalizeRunInput): Promise<FinalizeRunResult | undefined> {
      const events = await runOutcomeEvents(db, { runId: input.runId, status: input.status, stats: input.stats, error: input.error });
      const ids = await db.transaction(async (tx) => {
        await tx.getRepository(RunEntity).update(
          { id: input.runId },
          { status: input.status, stats: { ...input.stats }, error: input.error ?? null, finishedAt: new Date() },
        );
        return appendEvents(tx, events);
      });
      if (eventsRetentionDays > 0) await pruneEvents(db, eventsRetentionDays);
      if (!(await anyWebhookWants(db, events.map((e) => e.type)))) return undefined;
      return { webhookEventIds: ids };
    },
  };
}

export type RunActivities = ReturnType<typeof createRunActivities>;
