import { normalizeItem } from './normalize';
import { createSource, type CreateSourceOptions, type Engagement, type SourceStats } from './sources';

const ENGAGEMENT_KEYS: ReadonlyArray<keyof Engagement> = ['score', 'comments', 'views'];

/** One item as `trendflow sources test` shows it: what would be stored, minus the text body. */
export interface PreviewItem {
  title: string;
  url: string;
  canonicalUrl: string;
  publishedAt: string | null;
  author: string | null;
  language: string | null;
  engagement: Engagement | null;
  externalId: string | null;
  textChars: number;
}

export interface SourcePreview {
  spec: string;
  kind: string;
  items: PreviewItem[];
  /** Records in the page that would be skipped (no usable URL or title). */
  invalid: number;
  stats: SourceStats;
}

/**
 * Fetches the first page of a source, from no cursor, and normalises it exactly as a run would, without
 * storing anything or touching the database. Errors are the source's own (SourceError subclasses).
 */
export async function previewSource(spec: string, options: CreateSourceOptions, limit = 20): Promise<SourcePreview> {
  const source = createSource(spec, options);
  const items: PreviewItem[] = [];
  let invalid = 0;
  for await (const page of source.fetchPages({ pageSize: limit })) {
    for (const raw of page.slice(0, limit)) {
      const item = normalizeItem(raw);
      if (!item) {
        invalid++;
        continue;
      }
      const engagement: Engagement = {};
      for (const key of ENGAGEMENT_KEYS) {
        const value = item.metadata[key];
        if (typeof value === 'number') engagement[key] = value;
      }
      items.push({
        title: item.title,
        url: item.url,
        canonicalUrl: item.canonicalUrl,
        publishedAt: item.publishedAt?.toISOString() ?? null,
        author: item.author ?? null,
        language: item.language,
        engagement: Object.keys(engagement).length > 0 ? engagement : null,
        externalId: item.externalId ?? null,
        textChars: item.text.length,
      });
    }
    break; // one page: a preview, not a collection
  }
  return { spec, kind: source.kind, items, invalid, stats: source.stats };
}
