import { breakdown, stageOf, unionLength, type History } from '../../../bench/e2e/history';

const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
let nextId = 1;
function event(ms: number, attrs: Record<string, unknown>) {
  return { eventId: nextId++, eventTime: at(ms), ...attrs };
}

/** A history: workflow 0–10 s; startRun 1–1.5 s; collect scheduled 2 s, started 2.5, done 4; two embeds in parallel 5–7 and 6–8 s. */
function history(): History {
  nextId = 1;
  const events = [event(0, { workflowExecutionStartedEventAttributes: {} })];
  const activity = (type: string, s: number, st: number, c: number, attempt = 1) => {
    const scheduled = event(s, { activityTaskScheduledEventAttributes: { activityType: { name: type } } });
    events.push(scheduled);
    events.push(event(st, { activityTaskStartedEventAttributes: { scheduledEventId: scheduled.eventId, attempt } }));
    events.push(event(c, { activityTaskCompletedEventAttributes: { scheduledEventId: scheduled.eventId } }));
  };
  const wfTask = event(900, { workflowTaskScheduledEventAttributes: {} });
  events.push(wfTask, event(1000, { workflowTaskCompletedEventAttributes: { scheduledEventId: wfTask.eventId } }));
  activity('startRun', 1000, 1000, 1500);
  activity('collectSource', 2000, 2500, 4000);
  activity('embedBatch', 5000, 5000, 7000);
  activity('embedBatch', 5000, 6000, 8000, 2);
  events.push(event(10_000, { workflowExecutionCompletedEventAttributes: {} }));
  return { events } as unknown as History;
}

describe('e2e history breakdown', () => {
  it('maps activity types to stages, anything else to bookkeeping', () => {
    expect([stageOf('collectSource'), stageOf('planEmbedBatches'), stageOf('clusterWindow'), stageOf('summarizeTrend'), stageOf('finalizeRun')]).toEqual([
      'collect', 'embed', 'cluster', 'summarize', 'bookkeeping',
    ]);
  });

  it('measures the union of intervals, overlaps counted once', () => {
    expect(unionLength([[0, 2], [1, 3], [5, 6], [6, 6]])).toBe(4);
  });

  it('splits wall time into stage busy time and Temporal overhead', () => {
    const b = breakdown(history());
    expect(b.workflowWallMs).toBe(10_000);
    expect(b.activityBusyMs).toBe(500 + 1500 + 3000);
    expect(b.temporalOverheadMs).toBe(5000);
    expect(b.workflowTasks).toEqual({ count: 1, sumMs: 100 });
    const embed = b.stages.find((s) => s.stage === 'embed');
    expect(embed).toMatchObject({ activities: 2, retries: 1, spanMs: 3000, busyMs: 3000, execSumMs: 4000, waitSumMs: 1000, waitMaxMs: 1000 });
    expect(b.stages.find((s) => s.stage === 'collect')).toMatchObject({ busyMs: 1500, waitSumMs: 500, spanMs: 2000 });
    expect(b.stages.find((s) => s.stage === 'cluster')).toMatchObject({ activities: 0, busyMs: 0, spanMs: 0 });
  });
});
