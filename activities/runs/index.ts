import type { DataSource } from 'typeorm';
import { RunEntity, RunSourceEntity } from '../../db/entities';
import type { FinalizeRunInput, RecordSourceFailureInput, StartRunInput } from '../../workflows/types';

export interface RunActivityDeps {
  db: DataSource;
}

/** Run bookkeeping: the `runs` row mirrors the workflow so the API can list runs without Temporal. */
export function createRunActivities({ db }: RunActivityDeps) {
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
    },

    async finalizeRun(input: FinalizeRunInput): Promise<void> {
      await db.getRepository(RunEntity).update(
        { id: input.runId },
        { status: input.status, stats: { ...input.stats }, error: input.error ?? null, finishedAt: new Date() },
      );
    },
  };
}

export type RunActivities = ReturnType<typeof createRunActivities>;
