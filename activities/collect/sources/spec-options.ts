import { z } from 'zod';
import { SourceSpecError } from '../errors';
import { parseDate } from '../normalize';

/**
 * Parses `a=1&b=2` spec options against a zod object schema: repeated and unknown keys are named
 * (with the valid ones listed), invalid values explained, all as SourceSpecError.
 */
export function parseOptions<S extends z.ZodObject>(spec: string, kind: string, query: string, schema: S): z.infer<S> {
  const options: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (key in options) throw new SourceSpecError(spec, `option "${key}" is given twice in "${spec}"`);
    options[key] = value.trim();
  }
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `"${key}"`).join(', ');
    const valid = known.length > 0 ? `${kind} options are ${known.join(', ')}` : `${kind} takes no options`;
    throw new SourceSpecError(spec, `unknown option${unknown.length > 1 ? 's' : ''} ${names} in "${spec}"; ${valid}`);
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new SourceSpecError(spec, `invalid options in "${spec}": ${details}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Splits `target?query` at the first `?`. */
export function splitQuery(target: string): { path: string; query: string } {
  const question = target.indexOf('?');
  return question === -1 ? { path: target, query: '' } : { path: target.slice(0, question), query: target.slice(question + 1) };
}

/** `limit=N`: items per run, 1..max. */
export const limitOption = (max: number) =>
  z.coerce.number({ message: 'limit must be a number' }).int('limit must be a whole number').min(1).max(max);

/** A time bound in a spec: an absolute instant, or a duration before "now" resolved at each run (so stored specs stay relative). */
export type TimeBound = { at: Date } | { agoMs: number };

const AGO = /^(\d{1,6})([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `2024-05-01`, `2024-05-01T12:00:00Z`, a Unix time in seconds, or `7d`/`24h`/`90m`/`2w` ago. */
export const timeBoundOption = z.string().transform((value, ctx): TimeBound => {
  const ago = AGO.exec(value);
  if (ago && Number(ago[1]) > 0) return { agoMs: Number(ago[1]) * (UNIT_MS[ago[2] ?? 'd'] ?? 0) };
  if (/^\d{9,11}$/.test(value)) return { at: new Date(Number(value) * 1000) };
  const date = parseDate(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (date) return { at: date };
  ctx.addIssue({ code: 'custom', message: `"${value}" is not a date (2024-05-01, ISO 8601, Unix seconds) or a duration (24h, 7d)` });
  return z.NEVER;
});

/** The instant a TimeBound stands for at `now`. */
export function resolveTimeBound(bound: TimeBound, now: number = Date.now()): Date {
  return 'at' in bound ? bound.at : new Date(now - bound.agoMs);
}

/** `true/false/1/0/yes/no` flags. */
export const booleanOption = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'use true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An absolute http(s) URL, or a SourceSpecError saying what was expected. */
export function parseHttpUrl(spec: string, kind: string, target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new SourceSpecError(spec, `"${target}" in "${spec}" is not an absolute URL; expected ${kind}:https://…`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SourceSpecError(spec, `unsupported protocol "${url.protocol}" in "${spec}"; ${kind} URLs must be http or https`);
  }
  return url;
}
