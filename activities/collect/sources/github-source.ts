import { z } from 'zod';
import { SeenSet, validatorsFrom } from '../cursor';
import type { HttpClient, HttpResponse } from '../http';
import type { GithubReleasesConfig, GithubSearchConfig } from './api-specs';
import { JsonApiSource, num } from './json-source';
import { resolveTimeBound } from './spec-options';
import type { FetchOptions, RawItem } from './types';

const PER_PAGE = 100;
// The search API returns at most 1000 results for any query.
const MAX_SEARCH_PAGES = 10;

const repo = z.object({
  id: z.number(),
  full_name: z.string(),
  html_url: z.string(),
  description: z.string().nullish(),
  owner: z.object({ login: z.string() }).nullish(),
  stargazers_count: z.number().nullish(),
  forks_count: z.number().nullish(),
  open_issues_count: z.number().nullish(),
  language: z.string().nullish(),
  topics: z.array(z.string()).nullish(),
  created_at: z.string().nullish(),
  pushed_at: z.string().nullish(),
});
// https://docs.github.com/en/rest/search/search#search-repositories
const searchAnswer = z.object({ total_count: z.number(), incomplete_results: z.boolean().optional(), items: z.array(repo) });
// https://docs.github.com/en/rest/releases/releases#list-releases
const releases = z.array(
  z.object({
    id: z.number(),
    html_url: z.string(),
    tag_name: z.string(),
    name: z.string().nullish(),
    body: z.string().nullish(),
    draft: z.boolean().optional(),
    prerelease: z.boolean().optional(),
    published_at: z.string().nullish(),
    created_at: z.string().nullish(),
    author: z.object({ login: z.string() }).nullish(),
  }),
);

/**
 * `github:search?q=…` (repositories by stars, created or pushed in a window) and
 * `github:releases/<owner>/<repo>` via the REST API. The token, when configured, goes only to the
 * API origin. Quota: an exhausted quota answers 403/429 with reset headers, which the client turns
 * into a retryable error after that time; when a page shows none left, paging stops early instead.
 */
export class GithubSource extends JsonApiSource {
  readonly kind = 'github';

  constructor(
    spec: string,
    private readonly config: GithubSearchConfig | GithubReleasesConfig,
    http: HttpClient,
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {
    super(spec, http);
  }

  private get headers(): Record<string, string> {
    return {
      'X-GitHub-Api-Version': '2022-11-28',
      ...(this.token && { Authorization: `Bearer ${this.token}` }),
    };
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    if (this.config.mode === 'search') yield* this.search(this.config, options);
    else yield* this.releases(this.config, options);
  }

  private async *search(config: GithubSearchConfig, options: FetchOptions): AsyncGenerator<RawItem[]> {
    const seen = SeenSet.from(options.cursor);
    const since = config.since ? resolveTimeBound(config.since).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    const q = since ? `${config.query} ${config.by}:>=${since}` : config.query;
    let taken = 0;
    for (let page = 1; page <= MAX_SEARCH_PAGES && taken < config.limit; page++) {
      options.signal?.throwIfAborted();
      const params = new URLSearchParams({ q, sort: 'stars', order: 'desc', per_page: String(PER_PAGE), page: String(page) });
      const { data, response } = await this.getJson(searchAnswer, `${this.baseUrl}/search/repositories?${params.toString()}`, options, {
        accept: 'application/vnd.github+json',
        headers: this.headers,
      });
      if (!data) break;
      const items: RawItem[] = [];
      for (const r of data.items) {
        if (taken >= config.limit) break;
        this.current.rows++;
        const key = String(r.id);
        if (seen.has(key)) {
          this.current.seen++;
          continue;
        }
        seen.add(key);
        taken++;
        items.push(repoItem(r, config.by));
      }
      if (items.length > 0) yield this.emit(items);
      if (data.items.length < PER_PAGE || page * PER_PAGE >= data.total_count || quotaExhausted(response)) break;
    }
    this.next = { seen: seen.toJSON() };
  }

  private async *releases(config: GithubReleasesConfig, options: FetchOptions): AsyncGenerator<RawItem[]> {
    const seen = SeenSet.from(options.cursor);
    const fullName = `${config.owner}/${config.repo}`;
    const url = `${this.baseUrl}/repos/${fullName}/releases?per_page=${config.limit}`;
    // A conditional request answered 304 does not count against GitHub's rate limit.
    const { data, response } = await this.getJson(releases, url, options, {
      accept: 'application/vnd.github+json',
      headers: this.headers,
      validators: validatorsFrom(options.cursor),
    });
    const items: RawItem[] = [];
    for (const r of data ?? []) {
      this.current.rows++;
      const key = String(r.id);
      if (seen.has(key)) {
        this.current.seen++;
        continue;
      }
      if (r.draft || (r.prerelease && !config.prereleases)) {
        this.current.skipped++;
        continue;
      }
      seen.add(key);
      const title = `${fullName} ${r.name?.trim() || r.tag_name}`;
      const item: RawItem = {
        externalId: key,
        url: r.html_url,
        title,
        metadata: { repo: fullName, tag: r.tag_name, prerelease: r.prerelease ?? false },
      };
      if (r.body) item.text = r.body;
      if (r.author?.login) item.author = r.author.login;
      const publishedAt = isoDate(r.published_at ?? r.created_at);
      if (publishedAt) item.publishedAt = publishedAt;
      items.push(item);
    }
    if (items.length > 0) yield this.emit(items);
    this.next = { ...response.validators, seen: seen.toJSON() };
  }
}

function repoItem(r: z.infer<typeof repo>, by: 'created' | 'pushed'): RawItem {
  // "owner/name: description" reads like a headline and gives clustering the words that matter.
  const description = r.description?.trim();
  const item: RawItem = {
    externalId: String(r.id),
    url: r.html_url,
    title: description ? `${r.full_name}: ${description}` : r.full_name,
    metadata: {
      repo: r.full_name,
      ...(num(r.stargazers_count) !== undefined && { score: r.stargazers_count }), // stars as engagement
      ...(num(r.forks_count) !== undefined && { forks: r.forks_count }),
      ...(num(r.open_issues_count) !== undefined && { openIssues: r.open_issues_count }),
      ...(r.language && { programmingLanguage: r.language }),
      ...(r.topics && r.topics.length > 0 && { topics: r.topics }),
    },
  };
  if (description) item.text = [description, ...(r.topics ?? [])].join(' ');
  if (r.owner?.login) item.author = r.owner.login;
  const publishedAt = isoDate(by === 'pushed' ? r.pushed_at : r.created_at);
  if (publishedAt) item.publishedAt = publishedAt;
  return item;
}

function quotaExhausted(response: HttpResponse): boolean {
  return response.headers.get('x-ratelimit-remaining')?.trim() === '0';
}

function isoDate(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
