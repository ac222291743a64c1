import type { FeedKind } from './feed-specs';
import type { Engagement, RawItem } from './types';

/** One parsed feed entry as rss-parser/xml2js leave it: strings, `{ _: text, $: attrs }`, or arrays of those. */
export type FeedEntry = Record<string, unknown>;

/**
 * Extra fields rss-parser should copy per entry. YouTube puts the description and view counts in
 * `media:group`; arXiv lists every author and link, and its categories; Lobsters links its comments.
 */
export const FLAVOR_FIELDS: Array<[string, string, { keepArray: boolean }]> = [
  ['media:group', 'mediaGroup', { keepArray: false }],
  ['yt:videoId', 'ytVideoId', { keepArray: false }],
  ['yt:channelId', 'ytChannelId', { keepArray: false }],
  ['author', 'authors', { keepArray: true }],
  ['link', 'links', { keepArray: true }],
  ['arxiv:primary_category', 'arxivPrimary', { keepArray: false }],
  ['comments', 'comments', { keepArray: false }],
];

/** Adjusts a generic feed item with what a named platform's feed carries; returns the same item. */
export function applyFlavor(kind: FeedKind, entry: FeedEntry, item: RawItem): RawItem {
  switch (kind) {
    case 'youtube':
      return youtube(entry, item);
    case 'arxiv':
      return arxiv(entry, item);
    case 'lobsters': {
      const comments = text(entry['comments']);
      if (comments && /^https?:\/\//.test(comments)) item.metadata = { ...item.metadata, discussionUrl: comments };
      return item;
    }
    default:
      return item;
  }
}

function youtube(entry: FeedEntry, item: RawItem): RawItem {
  const group = asRecord(first(entry['mediaGroup']));
  const description = text(first(group?.['media:description']));
  if (description && !item.text) item.text = description;
  const community = asRecord(first(group?.['media:community']));
  const engagement: Engagement = {};
  const views = Number(attrs(first(community?.['media:statistics']))['views']);
  if (Number.isFinite(views)) engagement.views = views;
  const likes = Number(attrs(first(community?.['media:starRating']))['count']);
  if (Number.isFinite(likes)) engagement.score = likes;
  const videoId = text(entry['ytVideoId']);
  const channelId = text(entry['ytChannelId']);
  item.metadata = {
    ...item.metadata,
    ...(videoId && { videoId }),
    ...(channelId && { channelId }),
    ...engagement,
  };
  if (videoId) item.externalId = `yt:${videoId}`;
  return item;
}

// http://arxiv.org/abs/2401.01234v2 or the old style http://arxiv.org/abs/hep-th/9901001v1
const ARXIV_ID = /arxiv\.org\/abs\/(.+?)(?:v(\d+))?$/;

/** Versions of one paper share an id and URL (`…/abs/2401.01234`), so a v2 is a duplicate of v1, not a new story. */
function arxiv(entry: FeedEntry, item: RawItem): RawItem {
  const id = ARXIV_ID.exec(text(entry['id']) ?? item.externalId ?? '');
  const authors = toArray(entry['authors']).flatMap((a) => text(first(asRecord(a)?.['name'])) ?? []);
  const links = toArray(entry['links']).map((l) => attrs(l));
  const pdf = links.find((l) => l['title'] === 'pdf' || l['type'] === 'application/pdf')?.['href'];
  const primary = attrs(entry['arxivPrimary'])['term'];
  if (id?.[1]) {
    item.externalId = `arxiv:${id[1]}`;
    item.url = `https://arxiv.org/abs/${id[1]}`;
  }
  if (authors.length > 0) item.author = authors.length > 5 ? `${authors.slice(0, 5).join(', ')} et al.` : authors.join(', ');
  // arXiv titles and abstracts are hard-wrapped; normalizeItem collapses the whitespace.
  item.metadata = {
    ...item.metadata,
    ...(id?.[1] && { arxivId: id[1] }),
    ...(id?.[2] && { version: Number(id[2]) }),
    ...(authors.length > 0 && { authors }),
    ...(typeof pdf === 'string' && { pdfUrl: pdf }),
    ...(typeof primary === 'string' && { primaryCategory: primary }),
  };
  return item;
}

function text(value: unknown): string | undefined {
  const raw = typeof value === 'string' ? value : typeof asRecord(value)?.['_'] === 'string' ? String(asRecord(value)?.['_']) : undefined;
  const trimmed = raw?.trim();
  return trimmed ? trimmed : undefined;
}

function attrs(value: unknown): Record<string, unknown> {
  return asRecord(asRecord(value)?.['$']) ?? {};
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
