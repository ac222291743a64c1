import { z } from 'zod';
import { SourceSpecError } from '../errors';
import { booleanOption, limitOption, parseOptions, splitQuery, timeBoundOption, type TimeBound } from './spec-options';

export const HN_LISTS = ['top', 'new', 'best', 'ask', 'show', 'job'] as const;
export type HnList = (typeof HN_LISTS)[number];

/** `hn:[top|new|best|ask|show|job][?limit=N]`: a Firebase API story list. */
export interface HnListConfig {
  kind: 'hn';
  mode: 'list';
  list: HnList;
  limit: number;
}

/** `hn:search?q=…&from=…&to=…&tags=story&limit=N`: Algolia's search_by_date. */
export interface HnSearchConfig {
  kind: 'hn';
  mode: 'search';
  query: string;
  from?: TimeBound;
  to?: TimeBound;
  /** Algolia tags filter: story, show_hn, ask_hn, front_page, poll… */
  tags: string;
  limit: number;
}

export const REDDIT_LISTINGS = ['hot', 'new', 'top', 'rising', 'controversial'] as const;
export type RedditListing = (typeof REDDIT_LISTINGS)[number];

/** `reddit:<sub>[+<sub>…][/hot|new|top|rising|controversial][?t=day&limit=N]`. */
export interface RedditConfig {
  kind: 'reddit';
  subreddit: string;
  listing: RedditListing;
  /** Time range of top/controversial. */
  t?: 'hour' | 'day' | 'week' | 'month' | 'year' | 'all';
  limit: number;
  /** Pinned moderator posts ("weekly thread") are left out unless asked for. */
  includeStickied: boolean;
}

/** `github:search?q=…&window=7d&by=created|pushed&limit=N`: repositories by stars. */
export interface GithubSearchConfig {
  kind: 'github';
  mode: 'search';
  query: string;
  /** Repositories created (or pushed) since this bound; none = no date qualifier. */
  since?: TimeBound;
  by: 'created' | 'pushed';
  limit: number;
}

/** `github:releases/<owner>/<repo>[?prereleases=false&limit=N]`. */
export interface GithubReleasesConfig {
  kind: 'github';
  mode: 'releases';
  owner: string;
  repo: string;
  prereleases: boolean;
  limit: number;
}

const hnListOptions = z.object({ limit: limitOption(500) }).partial();
const hnSearchOptions = z.object({
  q: z.string().max(500).default(''),
  from: timeBoundOption.optional(),
  to: timeBoundOption.optional(),
  tags: z.string().regex(/^[\w,()]{1,200}$/, 'tags are Algolia tag names such as story, show_hn, ask_hn').default('story'),
  limit: limitOption(1000).default(200),
});

/** `hn:<list>[?limit]` or `hn:search?…`; throws SourceSpecError. */
export function parseHnSpec(spec: string, target: string): HnListConfig | HnSearchConfig {
  const { path, query } = splitQuery(target);
  const name = path.trim().toLowerCase();
  if (name === 'search') {
    const o = parseOptions(spec, 'hn:search', query, hnSearchOptions);
    return {
      kind: 'hn', mode: 'search', query: o.q, tags: o.tags, limit: o.limit,
      ...(o.from && { from: o.from }),
      ...(o.to && { to: o.to }),
    };
  }
  const list = name === '' ? 'top' : name;
  if (!isOneOf(HN_LISTS, list)) {
    throw new SourceSpecError(spec, `unknown Hacker News list "${path}" in "${spec}"; expected one of ${HN_LISTS.join(', ')} or search?q=…`);
  }
  const o = parseOptions(spec, 'hn', query, hnListOptions);
  return { kind: 'hn', mode: 'list', list, limit: o.limit ?? 100 };
}

const SUBREDDIT = /^[A-Za-z0-9][A-Za-z0-9_]{1,20}$/;
const redditOptions = z.object({
  t: z.enum(['hour', 'day', 'week', 'month', 'year', 'all']).optional(),
  limit: limitOption(1000).default(100),
  stickied: booleanOption.default(false),
});

/** `reddit:<sub>[+<sub>…][/listing][?t&limit&stickied]`; throws SourceSpecError. */
export function parseRedditSpec(spec: string, target: string): RedditConfig {
  const { path, query } = splitQuery(target);
  const [rawSub = '', rawListing = 'hot', ...rest] = path.replace(/^\/?r\//, '').split('/');
  const subs = rawSub.split('+');
  if (rest.length > 0 || subs.some((s) => !SUBREDDIT.test(s))) {
    throw new SourceSpecError(spec, `"${path}" in "${spec}" is not a subreddit; expected reddit:<name>[/hot|new|top|rising|controversial], e.g. reddit:programming/top?t=day`);
  }
  const listing = rawListing.toLowerCase() || 'hot';
  if (!isOneOf(REDDIT_LISTINGS, listing)) {
    throw new SourceSpecError(spec, `unknown listing "${rawListing}" in "${spec}"; expected one of ${REDDIT_LISTINGS.join(', ')}`);
  }
  const o = parseOptions(spec, 'reddit', query, redditOptions);
  if (o.t && listing !== 'top' && listing !== 'controversial') {
    throw new SourceSpecError(spec, `option t=${o.t} in "${spec}" only applies to the top and controversial listings`);
  }
  return { kind: 'reddit', subreddit: rawSub, listing, limit: o.limit, includeStickied: o.stickied, ...(o.t && { t: o.t }) };
}

const githubSearchOptions = z.object({
  q: z.string().trim().min(1, 'q (the search query) is required, e.g. q=language:rust').max(256),
  window: timeBoundOption.optional(),
  by: z.enum(['created', 'pushed']).default('created'),
  limit: limitOption(1000).default(100),
});
const githubReleaseOptions = z.object({ prereleases: booleanOption.default(true), limit: limitOption(100).default(30) });
const GITHUB_NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;

/** `github:search?q=…` or `github:releases/<owner>/<repo>`; throws SourceSpecError. */
export function parseGithubSpec(spec: string, target: string): GithubSearchConfig | GithubReleasesConfig {
  const { path, query } = splitQuery(target);
  if (path === 'search') {
    const o = parseOptions(spec, 'github:search', query, githubSearchOptions);
    if (/\b(?:created|pushed):/.test(o.q) && o.window) {
      throw new SourceSpecError(spec, `"${spec}" has both a created:/pushed: qualifier in q and window=; use one`);
    }
    return { kind: 'github', mode: 'search', query: o.q, by: o.by, limit: o.limit, ...(o.window && { since: o.window }) };
  }
  const release = /^releases\/([^/]+)\/([^/]+)$/.exec(path);
  if (release && GITHUB_NAME.test(release[1] ?? '') && GITHUB_NAME.test(release[2] ?? '')) {
    const o = parseOptions(spec, 'github:releases', query, githubReleaseOptions);
    return { kind: 'github', mode: 'releases', owner: release[1] ?? '', repo: release[2] ?? '', prereleases: o.prereleases, limit: o.limit };
  }
  throw new SourceSpecError(spec, `cannot read "${target}" in "${spec}"; expected github:search?q=… or github:releases/<owner>/<repo>`);
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}
