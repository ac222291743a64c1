import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import { z } from 'zod';
import { SA } from '../workflows/search-attributes';
import { TASK_QUEUES } from '../workflows/task-queues';
import type { PipelineParams } from '../workflows/types';
import { NotFoundError, ValidationError } from './errors';
import {
  applyProfilePatch,
  formatDuration,
  parseDuration,
  parseProfileInput,
  ProfileExistsError,
  type CollectionProfile,
  type OverlapPolicy,
  type ProfileInput,
  type ProfilePatch,
} from './profiles';

/**
 * Collection profiles stored as Temporal Schedules: the schedule id is the profile id, its action starts
 * trendPipelineWorkflow with trigger 'schedule', and the profile definition travels in the action's memo
 * (which every scheduled run then carries). Temporal is the only store, so a profile cannot drift from
 * what actually runs.
 */

export const PIPELINE_WORKFLOW = 'trendPipelineWorkflow';

/** Workflow id prefix of a profile's runs; Temporal appends `-<scheduled time>` (`run-default-2026-…Z`). */
export const runIdPrefix = (profileId: string) => `run-${profileId}`;

const TO_TEMPORAL: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};
const fromTemporal = (p: ScheduleOverlapPolicy): OverlapPolicy =>
  (Object.entries(TO_TEMPORAL).find(([, v]) => v === p)?.[0] as OverlapPolicy | undefined) ?? 'skip';

/** What the action memo holds (besides what the run's params already say). */
const storedMemo = z.object({
  profile: z.string(),
  description: z.string().optional(),
  window: z.string(),
  sources: z.array(z.string()),
  interval: z.string().optional(),
  cron: z.string().optional(),
  timezone: z.string().optional(),
});

/** A profile plus its schedule's live state, as the API and CLI show it. */
export interface ProfileView extends CollectionProfile {
  paused: boolean;
  note: string | null;
  workflowIdPrefix: string;
  nextRuns: string[];
  recentRuns: Array<{ workflowId: string; scheduledAt: string; startedAt: string }>;
  runningRuns: string[];
  stats: { actionsTaken: number; skippedOverlap: number; missedCatchupWindow: number };
  createdAt: string;
  updatedAt: string | null;
}

function scheduleBody(p: CollectionProfile) {
  const params: PipelineParams = { sources: p.sources, window: p.window, trigger: 'schedule' };
  const memo: z.infer<typeof storedMemo> = {
    profile: p.id,
    ...(p.description && { description: p.description }),
    window: p.window,
    sources: p.sources,
    ...(p.interval && { interval: p.interval }),
    ...(p.cron && { cron: p.cron }),
    ...(p.timezone && { timezone: p.timezone }),
  };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: PIPELINE_WORKFLOW,
    taskQueue: TASK_QUEUES.workflows,
    workflowId: runIdPrefix(p.id),
    args: [params],
    typedSearchAttributes: [
      { key: SA.status, value: 'running' },
      { key: SA.trigger, value: 'schedule' },
      { key: SA.sources, value: p.sources.map((s) => s.slice(0, 200)) },
    ],
    memo,
    // Shown as the run's summary in the Web UI's workflow list.
    staticSummary: `profile ${p.id}: ${p.sources.length} source(s), window ${p.window}`,
  };
  return {
    spec: {
      intervals: p.interval ? [{ every: parseDuration(p.interval) }] : [],
      cronExpressions: p.cron ? [p.cron] : [],
      ...(p.timezone && { timezone: p.timezone }),
    },
    action,
    policies: {
      overlap: TO_TEMPORAL[p.overlap],
      catchupWindow: parseDuration(p.catchupWindow),
      pauseOnFailure: p.pauseOnFailure,
    },
  };
}

/** The profile stored in a schedule, or null when the schedule is not one of ours. */
function profileOf(desc: ScheduleDescription): CollectionProfile | null {
  if (desc.action.workflowType !== PIPELINE_WORKFLOW) return null;
  const memo = storedMemo.safeParse(desc.action.memo ?? {});
  if (!memo.success) return null;
  const m = memo.data;
  return {
    id: desc.scheduleId,
    ...(m.description && { description: m.description }),
    sources: m.sources,
    window: m.window,
    ...(m.interval && { interval: m.interval }),
    ...(m.cron && { cron: m.cron }),
    ...(m.timezone && { timezone: m.timezone }),
    overlap: fromTemporal(desc.policies.overlap),
    catchupWindow: formatDuration(desc.policies.catchupWindow),
    pauseOnFailure: desc.policies.pauseOnFailure,
  };
}

function toView(profile: CollectionProfile, desc: ScheduleDescription): ProfileView {
  return {
    ...profile,
    paused: desc.state.paused,
    note: desc.state.note || null,
    workflowIdPrefix: runIdPrefix(profile.id),
    nextRuns: desc.info.nextActionTimes.map((d) => d.toISOString()),
    recentRuns: desc.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      scheduledAt: a.scheduledAt.toISOString(),
      startedAt: a.takenAt.toISOString(),
    })),
    runningRuns: desc.info.runningActions.map((a) => a.workflow.workflowId),
    stats: {
      actionsTaken: desc.info.numActionsTaken,
      skippedOverlap: desc.info.numActionsSkippedOverlap,
      missedCatchupWindow: desc.info.numActionsMissedCatchupWindow,
    },
    createdAt: desc.info.createdAt.toISOString(),
    updatedAt: desc.info.lastUpdatedAt?.toISOString() ?? null,
  };
}

/** Temporal's own complaints about a spec (it re-checks cron and time zones) are the caller's fault: 400. */
function rethrow(err: unknown, id: string): never {
  if (err instanceof ScheduleNotFoundError) throw new NotFoundError('profile', id);
  if (err instanceof ScheduleAlreadyRunning) throw new ProfileExistsError(id);
  const grpc = err as { code?: number; details?: string; message?: string };
  if (grpc.code === 3 /* INVALID_ARGUMENT */) throw new ValidationError(`Temporal rejected the schedule: ${grpc.details ?? grpc.message}`);
  throw err;
}

async function describeProfile(client: Client, id: string): Promise<{ handle: ScheduleHandle; desc: ScheduleDescription; profile: CollectionProfile }> {
  const handle = client.schedule.getHandle(id);
  const desc = await handle.describe().catch((err: unknown) => rethrow(err, id));
  const profile = profileOf(desc);
  // Schedules other tools made in the namespace are not profiles; don't let the API touch them.
  if (!profile) throw new NotFoundError('profile', id);
  return { handle, desc, profile };
}

/** Creates a profile's schedule; throws ProfileExistsError when the id is taken. */
export async function createProfile(client: Client, input: ProfileInput, note?: string): Promise<ProfileView> {
  const { paused, ...profile } = input;
  await client.schedule
    .create({ scheduleId: profile.id, ...scheduleBody(profile), state: { paused, ...(note && { note }) } })
    .catch((err: unknown) => rethrow(err, profile.id));
  return getProfile(client, profile.id);
}

export async function getProfile(client: Client, id: string): Promise<ProfileView> {
  const { desc, profile } = await describeProfile(client, id);
  return toView(profile, desc);
}

/** Every profile, by id. The schedule list is eventually consistent: a just-created one may lag a second. */
export async function listProfiles(client: Client): Promise<ProfileView[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) if (s.action?.workflowType === PIPELINE_WORKFLOW) ids.push(s.scheduleId);
  const views = await Promise.all(
    ids.map((id) => getProfile(client, id).catch((err: unknown) => (err instanceof NotFoundError ? null : Promise.reject(err)))),
  );
  return views.filter((v): v is ProfileView => v !== null).sort((a, b) => a.id.localeCompare(b.id));
}

/** Applies a patch; pause state and note are kept (pause/unpause change them). */
export async function updateProfile(client: Client, id: string, patch: ProfilePatch): Promise<ProfileView> {
  const { handle } = await describeProfile(client, id);
  await handle
    .update((prev): ScheduleUpdateOptions => {
      const current = profileOf(prev);
      if (!current) throw new NotFoundError('profile', id);
      return {
        ...scheduleBody(applyProfilePatch(current, patch)),
        state: { paused: prev.state.paused, note: prev.state.note, remainingActions: prev.state.remainingActions },
      };
    })
    .catch((err: unknown) => (err instanceof ValidationError || err instanceof NotFoundError ? Promise.reject(err) : rethrow(err, id)));
  return getProfile(client, id);
}

/** Deletes the schedule; runs it already started go on (cancel them separately). */
export async function deleteProfile(client: Client, id: string): Promise<void> {
  const { handle } = await describeProfile(client, id);
  await handle.delete().catch((err: unknown) => rethrow(err, id));
}

export async function setPaused(client: Client, id: string, paused: boolean, note?: string): Promise<ProfileView> {
  const { handle } = await describeProfile(client, id);
  const text = note ?? `${paused ? 'paused' : 'unpaused'} through trendflow`;
  await (paused ? handle.pause(text) : handle.unpause(text)).catch((err: unknown) => rethrow(err, id));
  return getProfile(client, id);
}

/** Starts a run now. Unless `overlap` says otherwise the profile's own policy applies (SKIP: no run if one is running). */
export async function triggerProfile(client: Client, id: string, overlap?: OverlapPolicy): Promise<OverlapPolicy> {
  const { handle, profile } = await describeProfile(client, id);
  const policy = overlap ?? profile.overlap;
  await handle.trigger(TO_TEMPORAL[policy]).catch((err: unknown) => rethrow(err, id));
  return policy;
}

/** Takes the actions the schedule would have taken between `from` and `to`, now (see docs/operations.md). */
export async function backfillProfile(client: Client, id: string, from: Date, to: Date, overlap?: OverlapPolicy): Promise<OverlapPolicy> {
  const { handle, profile } = await describeProfile(client, id);
  const policy = overlap ?? profile.overlap;
  await handle.backfill({ start: from, end: to, overlap: TO_TEMPORAL[policy] }).catch((err: unknown) => rethrow(err, id));
  return policy;
}

/**
 * `npm start`'s first-run default: when no profile exists, creates `default` — active with the configured
 * sources, or paused (with a note saying what to do) on a placeholder feed when none are configured, so a
 * fresh install never fetches from the network unasked. Returns what it did.
 */
export async function ensureDefaultProfile(client: Client, configuredSources: string[]): Promise<'exists' | 'created' | 'created-paused'> {
  for await (const s of client.schedule.list()) if (s.action?.workflowType === PIPELINE_WORKFLOW) return 'exists';
  const configured = configuredSources.length > 0;
  const input = parseProfileInput({
    id: 'default',
    description: configured ? 'default profile from DEFAULT_PROFILE_SOURCES' : 'placeholder: set its sources, then unpause',
    sources: configured ? configuredSources : [DEFAULT_PLACEHOLDER_SOURCE],
    interval: '1h',
    paused: !configured,
  });
  const note = configured ? undefined : 'no DEFAULT_PROFILE_SOURCES configured: set sources (trendflow schedules update default --source …), then unpause';
  try {
    await createProfile(client, input, note);
  } catch (err) {
    if (err instanceof ProfileExistsError) return 'exists';
    throw err;
  }
  return configured ? 'created' : 'created-paused';
}

/** Hacker News' front page as RSS: a real feed to start from, used only by the paused placeholder profile. */
export const DEFAULT_PLACEHOLDER_SOURCE = 'rss:https://hnrss.org/frontpage';
