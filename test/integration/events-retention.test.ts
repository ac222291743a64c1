import { createRunActivities } from '../../activities/runs';
import { appendEvents, latestEvents } from '../../services/events';
import type { RunStats } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';

const STATS: RunStats = {
  sources: { total: 1, done: 1, failed: 1 },
  items: { fetched: 0, new: 0, duplicates: 0 },
  embed: { batches: 0, batchesDone: 0, embedded: 0, cached: 0 },
  cluster: { items: 0, clusters: 0, noise: 0, trendsCreated: 0, trendsUpdated: 0 },
  summarize: { total: 0, done: 0, cached: 0, fallbacks: 0 },
};

describe('event retention (EVENTS_RETENTION_DAYS)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await openTestStack('events-retention');
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function seedOldAndRecent(): Promise<void> {
    await stack.db.query('DELETE FROM events');
    await appendEvents(stack.db, [
      { type: 'run.completed', runId: 'old-run', payload: { runId: 'old-run' } },
      { type: 'run.completed', runId: 'recent-run', payload: { runId: 'recent-run' } },
    ]);
    await stack.db.query(`UPDATE events SET created_at = now() - interval '40 days' WHERE run_id = 'old-run'`);
  }

  async function finalize(retentionDays: number, runId: string): Promise<string[]> {
    const runs = createRunActivities({ db: stack.db, eventsRetentionDays: retentionDays });
    await runs.startRun({ runId, params: { sources: ['csv:x.csv'], window: 'all' }, windowFromMs: null, windowToMs: Date.now() });
    await runs.finalizeRun({ runId, status: 'failed', stats: STATS, error: 'every source failed' });
    return (await latestEvents(stack.db, { limit: 100 })).map((e) => `${e.type}:${e.runId}`).sort();
  }

  it('drops events older than the retention when a run ends, keeping recent ones and the run outcome', async () => {
    await seedOldAndRecent();
    expect(await finalize(30, 'run-retention-30')).toEqual(['run.completed:recent-run', 'run.failed:run-retention-30', 'run.started:run-retention-30']);
  });

  it('keeps everything with retention 0', async () => {
    await seedOldAndRecent();
    expect(await finalize(0, 'run-retention-0')).toEqual([
      'run.completed:old-run',
      'run.completed:recent-run',
      'run.failed:run-retention-0',
      'run.started:run-retention-0',
    ]);
  });
});
