import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ClusterActivities } from '../../activities/cluster';
import type { CollectActivities } from '../../activities/collect';
import type { EmbedActivities } from '../../activities/embed';
import type { RunActivities } from '../../activities/runs';
import type { SummarizeActivities } from '../../activities/summarize/activities';
import type { QueueName } from '../../workflows/task-queues';

type AllActivities = RunActivities & CollectActivities & EmbedActivities & ClusterActivities & SummarizeActivities;
export type ActivityName = keyof AllActivities;
type Input<N extends ActivityName> = Parameters<AllActivities[N]>[0];
type Output<N extends ActivityName> = Awaited<ReturnType<AllActivities[N]>>;

/** What the fake stages answer by default: small, known numbers the tests can add up. */
export const FAKE = {
  fetchedPerSource: 10,
  insertedPerSource: 8,
  duplicatesPerSource: 2,
  modelId: 'fake-model-7',
  alreadyEmbedded: 4,
  batchCounts: [5, 5, 3],
  changedTrendIds: [11, 12, 13, 14, 15, 16],
  /** How long a fake collect / summarize call takes, so overlapping calls are observable. */
  delayMs: 150,
} as const;

/** Overrides for one run; every stage not given answers with the FAKE defaults. */
export type Scenario = { [N in Exclude<ActivityName, 'startRun' | 'recordSourceFailure' | 'finalizeRun'>]?: (input: Input<N>) => Promise<Output<N>> };

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The happy-path fake of every stage; scenarios can call these for the cases they do not change. */
export const defaults: Required<Scenario> = {
  async collectSource({ spec }) {
    await sleep(FAKE.delayMs);
    return { spec, status: 'ok', fetched: FAKE.fetchedPerSource, inserted: FAKE.insertedPerSource, duplicates: FAKE.duplicatesPerSource, skipped: 0 };
  },
  async planEmbedBatches({ runId }) {
    const batches = FAKE.batchCounts.map((count, i) => ({ runId, fromItemId: `${i * 100}`, toItemId: `${i * 100 + count - 1}`, count }));
    return { modelId: FAKE.modelId, alreadyEmbedded: FAKE.alreadyEmbedded, batches };
  },
  async embedBatch(ref) {
    return { embedded: ref.count - 1, cached: 1 };
  },
  async clusterWindow() {
    return { items: 25, clusters: 6, noise: 3, trendsCreated: 4, trendsUpdated: 2, trendsDissolved: 1, changedTrendIds: [...FAKE.changedTrendIds] };
  },
  async summarizeTrend({ trendId }) {
    await sleep(FAKE.delayMs);
    return { trendId, outcome: trendId % 3 === 0 ? 'cached' : 'summarized', method: 'fake' };
  },
};

export interface ActivityEvent {
  kind: 'start' | 'end';
  name: ActivityName;
}

/** Everything the fakes saw for one workflow id (runId), in the order it happened. */
export class RunRecord {
  readonly events: ActivityEvent[] = [];
  readonly calls: { [N in ActivityName]: Array<Input<N>> } = {
    startRun: [], recordSourceFailure: [], finalizeRun: [], collectSource: [], planEmbedBatches: [],
    embedBatch: [], clusterWindow: [], summarizeTrend: [],
  };
  readonly inFlight = new Map<ActivityName, number>();
  readonly maxInFlight = new Map<ActivityName, number>();

  constructor(readonly scenario: Scenario) {}

  /** Position of the first or last `kind` event of `name` in the event log (-1 if none). */
  index(kind: ActivityEvent['kind'], name: ActivityName, which: 'first' | 'last' = 'first'): number {
    const match = (e: ActivityEvent) => e.kind === kind && e.name === name;
    return which === 'first' ? this.events.findIndex(match) : this.events.findLastIndex(match);
  }
}

/** Fake activities for every queue, routing each call to the RunRecord registered for its runId. */
export class FakeActivities {
  private readonly runs = new Map<string, RunRecord>();

  register(runId: string, scenario: Scenario = {}): RunRecord {
    const record = new RunRecord(scenario);
    this.runs.set(runId, record);
    return record;
  }

  private async track<N extends ActivityName>(
    runId: string,
    name: N,
    input: Input<N>,
    body: (run: RunRecord) => Promise<Output<N>>,
  ): Promise<Output<N>> {
    const run = this.runs.get(runId);
    if (!run) throw ApplicationFailure.nonRetryable(`no fake scenario registered for run ${runId}`, 'UnknownRun');
    run.calls[name].push(input);
    run.events.push({ kind: 'start', name });
    const now = (run.inFlight.get(name) ?? 0) + 1;
    run.inFlight.set(name, now);
    run.maxInFlight.set(name, Math.max(now, run.maxInFlight.get(name) ?? 0));
    try {
      return await body(run);
    } finally {
      run.inFlight.set(name, (run.inFlight.get(name) ?? 1) - 1);
      run.events.push({ kind: 'end', name });
    }
  }

  /** The activities object for one queue's worker. */
  forQueue(queue: QueueName): Partial<AllActivities> {
    switch (queue) {
      case 'workflows':
        return this.runActivities();
      case 'collect':
        return this.collectActivities();
      case 'embed':
        return this.embedActivities();
      case 'cluster':
        return this.clusterActivities();
      case 'summarize':
        return this.summarizeActivities();
    }
  }

  private runActivities(): RunActivities {
    return {
      startRun: (input) => this.track(input.runId, 'startRun', input, async () => undefined),
      recordSourceFailure: (input) => this.track(input.runId, 'recordSourceFailure', input, async () => undefined),
      finalizeRun: (input) => this.track(input.runId, 'finalizeRun', input, async () => undefined),
    };
  }

  private collectActivities(): CollectActivities {
    return {
      collectSource: (input) => this.track(input.runId, 'collectSource', input, (run) => (run.scenario.collectSource ?? defaults.collectSource)(input)),
    };
  }

  private embedActivities(): EmbedActivities {
    return {
      planEmbedBatches: (input) =>
        this.track(input.runId, 'planEmbedBatches', input, (run) => (run.scenario.planEmbedBatches ?? defaults.planEmbedBatches)(input)),
      embedBatch: (ref) => this.track(ref.runId, 'embedBatch', ref, (run) => (run.scenario.embedBatch ?? defaults.embedBatch)(ref)),
    };
  }

  private clusterActivities(): ClusterActivities {
    return {
      clusterWindow: (input) => this.track(input.runId, 'clusterWindow', input, (run) => (run.scenario.clusterWindow ?? defaults.clusterWindow)(input)),
    };
  }

  private summarizeActivities(): SummarizeActivities {
    return {
      summarizeTrend: (input) =>
        this.track(input.runId, 'summarizeTrend', input, (run) => (run.scenario.summarizeTrend ?? defaults.summarizeTrend)(input)),
    };
  }
}

/** A promise with its resolve function, for "the fake got this far" signals. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects with `what` if `promise` has not settled within `ms`; clears its timer either way. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An embedBatch that blocks like a long embedding job: heartbeats every 100 ms (cancellation only
 * reaches an activity through a heartbeat response) until cancelled, then reports what it saw.
 */
export function blockingEmbed(onStart: () => void, onCancelled: (err: unknown) => void): NonNullable<Scenario['embedBatch']> {
  return async () => {
    const ctx = Context.current();
    onStart();
    const beat = setInterval(() => ctx.heartbeat(), 100);
    try {
      return await ctx.cancelled;
    } catch (err) {
      onCancelled(err);
      throw err;
    } finally {
      clearInterval(beat);
    }
  };
}
