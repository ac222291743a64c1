import { z } from 'zod';
import { SeenSet } from '../cursor';
import { SourceNotFoundError } from '../errors';
import type { HttpClient } from '../http';
import type { RedditConfig } from './api-specs';
import { fromEpochSeconds, JsonApiSource, num } from './json-source';
import type { FetchOptions, RawItem } from './types';

/** Permalinks point at the public site whatever API base URL is configured. */
const REDDIT_WEB = 'https://www.reddit.com';
/** Reddit's maximum `limit` per listing request. */
const PER_REQUEST = 100;

// https://www.reddit.com/dev/api#listings: { kind: "Listing", data: { after, children: [{ kind: "t3", data: {…} }] } }
const listing = z.object({
  kind: z.literal('Listing'),
  data: z.object({
    after: z.string().nullish(),
    children: z.array(
      z.object({
        kind: z.string(),
        data: z.object({
          id: z.string(),
          name: z.string().optional(),
          title: z.string().optional(),
          url: z.string().nullish(),
          url_overridden_by_dest: z.string().nullish(),
          permalink: z.string().optional(),
          selftext: z.string().nullish(),
          author: z.string().nullish(),
          score: z.number().nullish(),
          num_comments: z.number().nullish(),
          upvote_ratio: z.number().nullish(),
          created_utc: z.number().nullish(),
          subreddit: z.string().optional(),
          is_self: z.boolean().optional(),
          stickied: z.boolean().optional(),
          over_18: z.boolean().optional(),
          link_flair_text: z.string().nullish(),
          domain: z.string().optional(),
        }),
      }),
    ),
  }),
});
type Post = z.infer<typeof listing>['data']['children'][number]['data'];

/**
 * `reddit:<sub>[/listing]` via the public JSON listings, paged with `after` (a descriptive
 * User-Agent is sent by the shared client, as Reddit's API rules require). Posts an earlier run
 * collected are left out; on `new`, the first already-seen post ends the paging, since everything
 * after it is older.
 */
export class RedditSource extends JsonApiSource {
  readonly kind = 'reddit';

  constructor(
    spec: string,
    private readonly config: RedditConfig,
    http: HttpClient,
    private readonly baseUrl: string,
  ) {
    super(spec, http);
  }

  protected async *pages(options: FetchOptions): AsyncGenerator<RawItem[]> {
    const { config } = this;
    const seen = SeenSet.from(options.cursor);
    let after: string | undefined;
    let taken = 0;
    let reachedSeen = false;
    while (taken < config.limit && !reachedSeen) {
      options.signal?.throwIfAborted();
      const params = new URLSearchParams({ limit: String(Math.min(PER_REQUEST, config.limit - taken)), raw_json: '1' });
      if (config.t) params.set('t', config.t);
      if (after) params.set('after', after);
      const url = `${this.baseUrl}/r/${config.subreddit}/${config.listing}.json?${params.toString()}`;
      const { data, response } = await this.getJson(listing, url, options);
      // Reddit answers an unknown subreddit with a redirect to its subreddit search.
      if (new URL(response.url).pathname.startsWith('/subreddits/search')) {
        throw new SourceNotFoundError(this.spec, `subreddit r/${config.subreddit} does not exist (Reddit redirected to its search)`);
      }
      if (!data) break;
      const page: RawItem[] = [];
      for (const child of data.data.children) {
        if (child.kind !== 't3') continue;
        const post = child.data;
        this.current.rows++;
        const key = post.name ?? `t3_${post.id}`;
        if (seen.has(key)) {
          this.current.seen++;
          if (config.listing === 'new') reachedSeen = true;
          continue;
        }
        seen.add(key);
        const item = post.stickied && !config.includeStickied ? null : toRawItem(post);
        if (!item) {
          this.current.skipped++;
          continue;
        }
        page.push(item);
        taken++;
        if (taken >= config.limit) break;
      }
      if (page.length > 0) yield this.emit(page);
      after = data.data.after ?? undefined;
      if (!after || data.data.children.length === 0) break;
    }
    this.next = { seen: seen.toJSON() };
  }
}

function toRawItem(post: Post): RawItem | null {
  if (!post.title) return null;
  const discussionUrl = post.permalink ? absolute(post.permalink) : undefined;
  // Link posts point at the story (which other sources may carry too); self posts are their own page.
  const link = post.is_self ? discussionUrl : (post.url_overridden_by_dest ?? post.url ?? discussionUrl);
  if (!link) return null;
  const engagement = {
    ...(num(post.score) !== undefined && { score: post.score }),
    ...(num(post.num_comments) !== undefined && { comments: post.num_comments }),
  };
  const item: RawItem = {
    externalId: post.name ?? `t3_${post.id}`,
    url: absolute(link),
    title: post.title,
    metadata: {
      subreddit: post.subreddit,
      ...engagement,
      ...(num(post.upvote_ratio) !== undefined && { upvoteRatio: post.upvote_ratio }),
      ...(discussionUrl && { discussionUrl }),
      ...(post.domain && { domain: post.domain }),
      ...(post.link_flair_text && { flair: post.link_flair_text }),
      ...(post.over_18 && { nsfw: true }),
    },
  };
  if (post.selftext) item.text = post.selftext;
  if (post.author && post.author !== '[deleted]') item.author = post.author;
  const publishedAt = fromEpochSeconds(post.created_utc);
  if (publishedAt) item.publishedAt = publishedAt;
  return item;
}

/** Resolves Reddit's relative links; a URL that does not parse is passed on for normalizeItem to drop. */
function absolute(link: string): string {
  try {
    return new URL(link, REDDIT_WEB).toString();
  } catch {
    return link;
  }
}
