import type { SourceCursor } from '../../../activities/collect/cursor';
import { HttpClient } from '../../../activities/collect/http';
import { createSource, type CreateSourceOptions, type RawItem, type SourceStats } from '../../../activities/collect/sources';

/** A client without politeness delays, for tests against local replay servers. */
export function fastClient(): HttpClient {
  return new HttpClient({ defaultHostPolicy: { minTimeMs: 0, maxConcurrent: 8 }, timeoutMs: 5000 });
}

export interface Collected {
  items: RawItem[];
  pages: number;
  cursor: SourceCursor | undefined;
  stats: SourceStats;
}

/** Runs a source to the end, as the collect activity would, from an optional stored cursor. */
export async function runSource(spec: string, options: CreateSourceOptions, cursor?: SourceCursor): Promise<Collected> {
  const source = createSource(spec, options);
  const items: RawItem[] = [];
  let pages = 0;
  for await (const page of source.fetchPages(cursor ? { cursor } : {})) {
    items.push(...page);
    pages++;
  }
  return { items, pages, cursor: source.cursor, stats: source.stats };
}

/** The error a source run fails with (the test fails if it succeeds). */
export async function sourceFailure(spec: string, options: CreateSourceOptions, cursor?: SourceCursor): Promise<unknown> {
  return runSource(spec, options, cursor).then(
    () => {
      throw new Error(`expected ${spec} to fail`);
    },
    (err: unknown) => err,
  );
}
