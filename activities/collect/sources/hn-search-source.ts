import { z } from 'zod';
import { cursorNumber, SeenSet } from '../cursor';
import type { HttpClient } from '../http';
import type { HnSearchConfig } from './api-specs';
import { HN_ITEM_URL } from './hn-source';
import { fromEpochSeconds, JsonApiSource, num } from './json-source';
import { resolveTimeBound } from './spec-options';
import type { FetchOptions, RawItem } from './types';

// Algolia serves at most 1000 hits per query however it is paged.
const HITS_PER_PAGE = 100;

// https://hn.algolia.com/api: search_by_date answers { hits, page, nbPages, hitsPerPage, nbHits }.
const searchAnswer = z.object({
  hits: z.array(
    z.object({
      objectID: z.string(),
      title: z.string().nullish(),
      url: z.string().nullish(),
      author: z.string().nullish(),
      points: z.number().nullish(),
      num_comments: z.number().nullish(),
      created_at_i: z.number().nullish(),
      story_text: z.string().nullish(),
      _tags: z.array(z.string()).nullish(),
    }),
  ),
  page: z.number().int(),
  nbPages: z.number().int(),
});
type Hit = z.infer<typeof searchAnswer>['hits'][number];

/**
 * `hn:search?q=…&from=…&to=…` via Algolia's search_by_date (newest first), paged with `page`. The
 * cursor keeps the newest `created_at_i` seen: the next run asks only from there on (inclusive, with
 * the ids of that boundary second in `seen`, so none is lost or fetched twice).
 */
export class HnSearchSource extends JsonApiSource {
  readonly kind = 'hn';

  constructor(
    spec: string,
    private readonly config: HnSearchConfig,
    http: HttpClient,
    private readonly baseUrl: string,
  ) {
    super(spec, http);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const { config } = this;
    const seen = SeenSet.from(options.cursor);
    const now = Date.now();
    const fromSec = config.from ? Math.floor(resolveTimeBound(config.from, now).getTime() / 1000) : undefined;
    const toSec = config.to ? Math.floor(resolveTimeBound(config.to, now).getTime() / 1000) : undefined;
    const previous = cursorNumber(options.cursor, 'newest');
    const lower = Math.max(fromSec ?? 0, previous ?? 0);
    let newest = previous ?? 0;
    const filters = [...(lower > 0 ? [`created_at_i>=${lower}`] : []), ...(toSec !== undefined ? [`created_at_i<${toSec}`] : [])];

    let taken = 0;
    for (let page = 0; taken < config.limit; page++) {
      options.signal?.throwIfAborted();
      const params = new URLSearchParams({ query: config.query, tags: config.tags, hitsPerPage: String(HITS_PER_PAGE), page: String(page) });
      if (filters.length > 0) params.set('numericFilters', filters.join(','));
      const { data } = await this.getJson(searchAnswer, `${this.baseUrl}/search_by_date?${params.toString()}`, options);
      if (!data) break;
      const items: RawItem[] = [];
      for (const hit of data.hits) {
        if (taken >= config.limit) break;
        this.current.rows++;
        if (seen.has(hit.objectID)) {
          this.current.seen++;
          continue;
        }
        seen.add(hit.objectID);
        taken++;
        newest = Math.max(newest, num(hit.created_at_i) ?? 0);
        const item = toRawItem(hit);
        if (item) items.push(item);
        else this.current.skipped++;
      }
      if (items.length > 0) yield this.emit(items);
      if (data.hits.length === 0 || page + 1 >= data.nbPages) break;
    }
    this.next = { ...(newest > 0 && { newest }), seen: seen.toJSON() };
  }
}

function toRawItem(hit: Hit): RawItem | null {
  if (!hit.title) return null; // comments match too when tags allow them; they have no headline
  const discussionUrl = `${HN_ITEM_URL}${hit.objectID}`;
  const engagement = {
    ...(num(hit.points) !== undefined && { score: hit.points }),
    ...(num(hit.num_comments) !== undefined && { comments: hit.num_comments }),
  };
  const item: RawItem = {
    externalId: hit.objectID,
    url: hit.url || discussionUrl,
    title: hit.title,
    language: 'en', // HN is an English-language site; detection still decides when it is sure
    metadata: { hnId: Number(hit.objectID), discussionUrl, ...engagement, ...(hit._tags && { tags: hit._tags }) },
  };
  if (hit.story_text) item.text = hit.story_text;
  if (hit.author) item.author = hit.author;
  const publishedAt = fromEpochSeconds(hit.created_at_i);
  if (publishedAt) item.publishedAt = publishedAt;
  return item;
}
