/**
 * Trend lifecycle and scoring from member facts alone (pure; persist-trends.ts feeds it).
 *
 * Everything is relative to `asOf`, the newest item time of the run's window rather than the wall
 * clock, so a replay of old data (the dev split is from March 2014) scores as it did live; on a live
 * feed the two are minutes apart. With P = the period (6 h by default), r = members in (asOf − P, asOf]
 * and p = members in (asOf − 2P, asOf − P]:
 *   fading    r = 0, or none of the rules below holds (r < 0.75·p: the story is slowing down)
 *   emerging  first seen within the last P
 *   growing   r > 1.25·p and r − p ≥ 2 (a real rise, not one extra headline)
 *   peaking   r ≥ 0.75·p: still busy, no longer rising
 * checked in that order. velocity = r / P in items per hour; acceleration = (r − p) / P / P in items
 * per hour per hour.
 */
import type { TrendLifecycle } from '../../db/entities/trend';

export interface MemberFacts {
  /** Published time, else collected time (ms since epoch). */
  timeMs: number;
  /** Publisher name, else source id: what counts as a distinct source. */
  source: string;
  /** Score plus comment count from the item's metadata, null when it carries neither. */
  engagement: number | null;
}

export interface LifecycleFacts {
  lifecycle: TrendLifecycle;
  velocity: number;
  acceleration: number;
  recentCount: number;
  previousCount: number;
  sourceCount: number;
  /** Normalised entropy of members over sources: 0 = one source, 1 = every member from a different one. */
  sourceDiversity: number;
  engagement: number | null;
  firstSeenMs: number | null;
  lastSeenMs: number | null;
  /** Why the trend is where it is, in one or two sentences. */
  explanation: string;
}

export const DEFAULT_LIFECYCLE_PERIOD_MS = 6 * 3_600_000;

/** Metadata keys read as engagement, as feeds and exports name them (HN: points, descendants; Reddit: score, num_comments). */
export const ENGAGEMENT_KEYS = ['score', 'points', 'likes', 'comments', 'num_comments', 'descendants'] as const;

/** Sum of the engagement keys present as numbers (or numeric strings) in one item's metadata. */
export function engagementOf(metadata: Readonly<Record<string, unknown>>): number | null {
  let total: number | null = null;
  for (const key of ENGAGEMENT_KEYS) {
    const raw = metadata[key];
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (Number.isFinite(value) && value >= 0) total = (total ?? 0) + value;
  }
  return total;
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} min`;
  return h < 48 ? `${Math.round(h)}h` : `${Math.round(h / 24)} days`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Lifecycle, velocity, diversity, engagement and the explanation of one trend; see the module comment. */
export function describeLifecycle(members: readonly MemberFacts[], asOfMs: number, periodMs = DEFAULT_LIFECYCLE_PERIOD_MS): LifecycleFacts {
  if (!(periodMs > 0)) throw new RangeError(`lifecycle period must be positive, got ${periodMs}`);
  let recent = 0;
  let previous = 0;
  let first = Infinity;
  let last = -Infinity;
  let engagement: number | null = null;
  const perSource = new Map<string, number>();
  for (const m of members) {
    if (m.timeMs > asOfMs - periodMs && m.timeMs <= asOfMs) recent++;
    else if (m.timeMs > asOfMs - 2 * periodMs && m.timeMs <= asOfMs - periodMs) previous++;
    first = Math.min(first, m.timeMs);
    last = Math.max(last, m.timeMs);
    if (m.engagement !== null) engagement = (engagement ?? 0) + m.engagement;
    perSource.set(m.source, (perSource.get(m.source) ?? 0) + 1);
  }
  const n = members.length;
  let entropy = 0;
  for (const c of perSource.values()) entropy -= (c / n) * Math.log(c / n);
  const sourceDiversity = n > 1 ? entropy / Math.log(n) : 0;
  const periodHours = periodMs / 3_600_000;

  let lifecycle: TrendLifecycle;
  if (recent === 0) lifecycle = 'fading';
  else if (first > asOfMs - periodMs) lifecycle = 'emerging';
  else if (recent > 1.25 * previous && recent - previous >= 2) lifecycle = 'growing';
  else if (recent >= 0.75 * previous) lifecycle = 'peaking';
  else lifecycle = 'fading';

  const sources = plural(perSource.size, 'source');
  const P = hours(periodMs);
  let explanation: string;
  if (n === 0) explanation = 'No members.';
  else if (lifecycle === 'emerging') explanation = `New story: ${plural(n, 'item')} from ${sources} since it first appeared ${hours(asOfMs - first)} ago.`;
  else if (lifecycle === 'growing') explanation = `Growing: ${plural(recent, 'item')} in the last ${P}, up from ${previous} in the ${P} before, from ${sources} in all.`;
  else if (lifecycle === 'peaking') explanation = `At its peak: ${plural(recent, 'item')} in the last ${P} (${previous} in the ${P} before), from ${sources} in all.`;
  else if (recent === 0) explanation = `Fading: nothing new in the last ${P}; last item ${hours(Math.max(0, asOfMs - last))} before the newest news.`;
  else explanation = `Fading: ${plural(recent, 'item')} in the last ${P}, down from ${previous} in the ${P} before.`;
  if (engagement !== null) explanation += ` Engagement ${Math.round(engagement).toLocaleString('en-US')} (score and comments).`;

  return {
    lifecycle,
    velocity: recent / periodHours,
    acceleration: (recent - previous) / periodHours / periodHours,
    recentCount: recent,
    previousCount: previous,
    sourceCount: perSource.size,
    sourceDiversity,
    engagement,
    firstSeenMs: n > 0 ? first : null,
    lastSeenMs: n > 0 ? last : null,
    explanation,
  };
}
