import { z } from 'zod';
import { parseWindow } from '../workflows/window';
import { AppError } from './errors';
import { runRequestSchema } from './run-params';
import { parseInput } from './validate';

/**
 * Collection profiles: a named set of sources + window + when to run (interval and/or cron) + what to do
 * when runs overlap or were missed. Each profile *is* a Temporal Schedule (services/schedules.ts); this
 * module only validates and converts, so the API, the CLI and `npm start` share one set of rules.
 */

/** Thrown when a profile (schedule) with the requested id already exists. */
export class ProfileExistsError extends AppError {
  override name = 'ProfileExistsError';
  constructor(readonly profileId: string) {
    super(`profile ${JSON.stringify(profileId)} already exists; PATCH it or pick another id`, 409, 'Conflict', { profile: profileId });
  }
}

/** Lower-case names of Temporal's ScheduleOverlapPolicy values, as the API and CLI spell them. */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Defaults, justified in docs/operations.md ("Overlap and catch-up"). */
export const PROFILE_DEFAULTS = { window: '24h', overlap: 'skip' as OverlapPolicy, catchupWindow: '1h', pauseOnFailure: false };

// Prefixes of manual and API run ids (services/runs.ts newRunId): a profile of that name would make
// `WorkflowId STARTS_WITH 'run-manual-'` ambiguous.
const RESERVED_IDS = new Set(['manual', 'api', 'schedule']);
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `15m`, `1h`, `7d` → milliseconds; throws RangeError otherwise. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  const unit = m ? UNIT_MS[m[2] ?? ''] : undefined;
  if (!m || unit === undefined || Number(m[1]) === 0) throw new RangeError(`invalid duration "${text}": use e.g. 30s, 15m, 1h, 7d`);
  return Number(m[1]) * unit;
}

/** The shortest exact `<n><unit>` for a duration in ms (3_600_000 → `1h`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * Checks a classic 5-field cron (minute hour day-of-month month day-of-week; `*`, lists, ranges, steps,
 * JAN-DEC and SUN-SAT names). The server checks again, but this way the caller learns which field is wrong.
 */
export function checkCron(cron: string): string | null {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return `cron "${cron}" has ${parts.length} fields; expected 5: minute hour day-of-month month day-of-week`;
  for (const [i, field] of CRON_FIELDS.entries()) {
    const text = (parts[i] ?? '').toUpperCase();
    const value = (v: string) => {
      const named = field.names?.indexOf(v) ?? -1;
      if (named >= 0) return named + field.min;
      return /^\d{1,2}$/.test(v) ? Number(v) : NaN;
    };
    for (const item of text.split(',')) {
      const m = /^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:\/(\d{1,2}))?$/.exec(item);
      const bounds = m?.[1] === '*' ? [field.min, field.max] : (m?.[1] ?? '').split('-').map(value);
      const ok = m && bounds.every((b) => b >= field.min && b <= field.max) && (m[2] === undefined || Number(m[2]) > 0);
      if (!ok) return `cron "${cron}": "${item}" is not a valid ${field.name} (${field.min}-${field.max})`;
    }
  }
  return null;
}

const refineWith = (check: (v: string) => void) => (v: string, ctx: z.RefinementCtx) => {
  try {
    check(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
};

const fields = {
  description: z.string().trim().max(500),
  sources: runRequestSchema.shape.sources,
  window: z.string().superRefine(refineWith(parseWindow)),
  // Seconds are accepted for demos and tests; with the SKIP policy a too-short interval only skips.
  interval: z.string().superRefine(
    refineWith((v) => {
      if (parseDuration(v) < 10_000) throw new RangeError(`interval "${v}" is shorter than 10s`);
    }),
  ),
  cron: z.string().trim().superRefine((v, ctx) => {
    const problem = checkCron(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  timezone: z.string().superRefine(
    refineWith((tz) => {
      new Intl.DateTimeFormat('en', { timeZone: tz }); // throws RangeError for an unknown zone
    }),
  ),
  overlap: z.enum(OVERLAP_POLICIES),
  // Temporal rejects catch-up windows under 10 s.
  catchupWindow: z.string().superRefine(
    refineWith((v) => {
      const ms = parseDuration(v);
      if (ms < 10_000 || ms > 366 * 86_400_000) throw new RangeError(`catchupWindow "${v}" must be between 10s and 366d`);
    }),
  ),
  pauseOnFailure: z.boolean(),
};

const profileId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'use 1-48 lower-case letters, digits and dashes, e.g. "tech-news"')
  .refine((id) => !RESERVED_IDS.has(id), 'this id is reserved for manual and API run ids');

const needsWhen = { message: 'give an interval (e.g. "1h") or a cron (e.g. "0 * * * *"), or both', path: ['interval'] };

/** The body of POST /schedules and the options of `trendflow schedules create`. */
export const createProfileSchema = z
  .object({
    id: profileId,
    description: fields.description.optional(),
    sources: fields.sources,
    window: fields.window.default(PROFILE_DEFAULTS.window),
    interval: fields.interval.optional(),
    cron: fields.cron.optional(),
    timezone: fields.timezone.optional(),
    overlap: fields.overlap.default(PROFILE_DEFAULTS.overlap),
    catchupWindow: fields.catchupWindow.default(PROFILE_DEFAULTS.catchupWindow),
    pauseOnFailure: fields.pauseOnFailure.default(PROFILE_DEFAULTS.pauseOnFailure),
    paused: z.boolean().default(false),
  })
  .strict()
  .refine((p) => p.interval !== undefined || p.cron !== undefined, needsWhen);

/** The body of PATCH /schedules/:id: any subset; `null` removes interval, cron, timezone or description. */
export const patchProfileSchema = z
  .object({
    description: fields.description.nullable(),
    sources: fields.sources,
    window: fields.window,
    interval: fields.interval.nullable(),
    cron: fields.cron.nullable(),
    timezone: fields.timezone.nullable(),
    overlap: fields.overlap,
    catchupWindow: fields.catchupWindow,
    pauseOnFailure: fields.pauseOnFailure,
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'give at least one field to change');

export type ProfileInput = z.infer<typeof createProfileSchema>;
export type ProfilePatch = z.infer<typeof patchProfileSchema>;

/** A profile as stored in its schedule (everything but the run-time state). */
export type CollectionProfile = Omit<ProfileInput, 'paused'>;

/** The body of POST /schedules/:id/backfill and the options of `trendflow schedules backfill`. */
export const backfillSchema = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }), overlap: z.enum(OVERLAP_POLICIES).optional() })
  .strict()
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), { message: '"from" must be before "to"', path: ['from'] })
  // The schedule reaches future times by itself; a minute of clock skew is allowed.
  .refine((b) => Date.parse(b.to) <= Date.now() + 60_000, { message: '"to" must not be in the future', path: ['to'] });

/** Route parameter `:id`: looser than a new id, so an unknown but well-formed id answers 404, not 400. */
export const profileIdSchema = z.object({ id: z.string().min(1).max(200).regex(/^[\w.:-]+$/, 'not a profile id') });

/** Parses untrusted input into a profile to create, or throws a ValidationError listing every problem. */
export function parseProfileInput(input: unknown): ProfileInput {
  const p = parseInput(createProfileSchema, input);
  return { ...p, sources: [...new Set(p.sources)] };
}

/** Applies a validated patch; throws a ValidationError when the result has neither interval nor cron. */
export function applyProfilePatch(current: CollectionProfile, patch: ProfilePatch): CollectionProfile {
  const next: CollectionProfile = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof ProfilePatch, unknown]>) {
    if (value === null) delete next[key];
    else (next as Record<string, unknown>)[key] = value;
  }
  if (patch.sources) next.sources = [...new Set(patch.sources)];
  // Re-validate the merged profile as a whole (e.g. removing the cron of a cron-only profile).
  const { paused: _paused, ...checked } = parseInput(createProfileSchema, { ...next, paused: false });
  return checked;
}
