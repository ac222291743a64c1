import { z } from 'zod';
import { SeenSet } from '../cursor';
import { SourceFormatError, SourceNotFoundError } from '../errors';
import { childSignal, type HttpClient } from '../http';
import type { HnListConfig } from './api-specs';
import { fromEpochSeconds, JsonApiSource, num } from './json-source';
import type { FetchOptions, RawItem } from './types';

/**
 * Item documents fetched per yielded page (a heartbeat interval for the collect activity, and one
 * store + near-duplicate check per page); at the default 20 requests/s a page takes about 5 s.
 */
const ITEMS_PER_PAGE = 100;
/** Discussion pages live here whatever API base URL is configured. */
export const HN_ITEM_URL = 'https://news.ycombinator.com/item?id=';

const idList = z.array(z.number().int().positive());
// https://github.com/HackerNews/API#items: every field but id is optional; missing items are `null`.
const hnItem = z
  .object({
    id: z.number().int(),
    type: z.string().optional(),
    by: z.string().optional(),
    time: z.number().optional(),
    title: z.string().optional(),
    url: z.string().optional(),
    text: z.string().optional(),
    score: z.number().optional(),
    descendants: z.number().optional(),
    deleted: z.boolean().optional(),
    dead: z.boolean().optional(),
  })
  .nullable();
type HnItem = NonNullable<z.infer<typeof hnItem>>;

/**
 * `hn:top|new|best|ask|show|job` via the official Firebase API: the list endpoint gives up to 500 ids,
 * each item is its own document. Ids an earlier run collected are not fetched again (cursor `seen`),
 * so a rerun costs one list request plus the stories that are new to the list.
 */
export class HnListSource extends JsonApiSource {
  readonly kind = 'hn';
  private itemOk = false;
  private itemError: Error | undefined;

  constructor(
    spec: string,
    private readonly config: HnListConfig,
    http: HttpClient,
    private readonly baseUrl: string,
  ) {
    super(spec, http);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const seen = SeenSet.from(options.cursor);
    this.itemOk = false;
    this.itemError = undefined;
    const listUrl = `${this.baseUrl}/${this.config.list}stories.json`;
    const { data: ids = [] } = await this.getJson(idList, listUrl, options);
    const ranked = ids.map((id, index) => ({ id, rank: index + 1 }));
    const unseen = ranked.filter(({ id }) => !seen.has(String(id)));
    const fresh = unseen.slice(0, this.config.limit);
    this.current.seen = ranked.length - unseen.length;

    // Up to a page of requests wait on one signal at once: a child signal keeps Node's listener-leak
    // warning for the activity's own signal quiet (one listener there instead of one per request).
    const scope = childSignal(options.signal);
    const itemOptions = { ...options, signal: scope.signal };
    try {
      for (let start = 0; start < fresh.length; start += ITEMS_PER_PAGE) {
        options.signal?.throwIfAborted();
        const chunk = fresh.slice(start, start + ITEMS_PER_PAGE);
        // Requests run concurrently; the host limiter decides how many are actually in flight.
        const docs = await Promise.all(chunk.map(({ id }) => this.fetchItem(id, itemOptions)));
        const page: RawItem[] = [];
        chunk.forEach(({ id, rank }, i) => {
          this.current.rows++;
          seen.add(String(id)); // deleted and dead items too: asking again would give the same answer
          const item = toRawItem(docs[i], this.config.list, rank);
          if (item) page.push(item);
          else this.current.skipped++;
        });
        if (!this.itemOk && this.itemError) throw this.itemError;
        if (page.length > 0) yield this.emit(page);
      }
    } finally {
      scope.dispose();
    }
    this.next = { seen: seen.toJSON() };
  }

  /**
   * One item document. A broken or missing document skips that item (counted) rather than the whole
   * list; transient errors propagate so the activity retries. If every item was broken, the first
   * error is the source's failure: a server answering garbage must not look like an empty list.
   */
  private async fetchItem(id: number, options: FetchOptions): Promise<HnItem | null> {
    const url = `${this.baseUrl}/item/${id}.json`;
    try {
      const { data } = await this.getJson(hnItem, url, options);
      this.itemOk = true;
      return data ?? null;
    } catch (err) {
      if (!(err instanceof SourceFormatError || err instanceof SourceNotFoundError)) throw err;
      this.itemError ??= err;
      return null;
    }
  }
}

/** Maps a story/job/poll; null for missing, deleted, dead or untitled items. */
function toRawItem(doc: HnItem | null | undefined, list: string, rank: number): RawItem | null {
  if (!doc || doc.deleted || doc.dead || !doc.title) return null;
  if (doc.type !== undefined && !['story', 'job', 'poll'].includes(doc.type)) return null;
  const discussionUrl = `${HN_ITEM_URL}${doc.id}`;
  const item: RawItem = {
    externalId: String(doc.id),
    // Ask/Show HN text posts have no url: the discussion is the item.
    url: doc.url ?? discussionUrl,
    title: doc.title,
    language: 'en', // HN is an English-language site; detection still decides when it is sure
    metadata: {
      hnId: doc.id,
      type: doc.type ?? 'story',
      list,
      rank,
      discussionUrl,
      ...(num(doc.score) !== undefined && { score: doc.score }),
      ...(num(doc.descendants) !== undefined && { comments: doc.descendants }),
    },
  };
  if (doc.text) item.text = doc.text;
  if (doc.by) item.author = doc.by;
  const publishedAt = fromEpochSeconds(doc.time);
  if (publishedAt) item.publishedAt = publishedAt;
  return item;
}
