import type { z } from 'zod';
import type { SourceCursor } from '../cursor';
import { SourceFormatError } from '../errors';
import type { HttpClient, HttpRequest, HttpResponse, RequestStats } from '../http';
import type { FetchOptions, RawItem, Source, SourceStats } from './types';

/** Counters every API source keeps. */
export type ApiStats = SourceStats & RequestStats & { seen: number };

export function emptyApiStats(): ApiStats {
  return { rows: 0, emitted: 0, skipped: 0, seen: 0, requests: 0, notModified: 0 };
}

/**
 * Stats and cursor bookkeeping shared by the network sources: every fetchPages call starts fresh
 * counters and no next cursor, then runs the connector's own `pages`, which sets `this.next` at the end.
 */
export abstract class TrackedSource implements Source {
  abstract readonly kind: string;
  protected current: ApiStats = emptyApiStats();
  protected next: SourceCursor | undefined;

  constructor(readonly spec: string) {}

  get stats(): ApiStats {
    return { ...this.current };
  }

  get cursor(): SourceCursor | undefined {
    return this.next;
  }

  async *fetchPages(options: FetchOptions = {}): AsyncGenerator<RawItem[]> {
    this.current = emptyApiStats();
    this.next = undefined;
    yield* this.pages(options);
  }

  /** The connector's pages; sets `this.next` after the last one. */
  protected abstract pages(options: FetchOptions): AsyncGenerator<RawItem[]>;
}

/**
 * Base of the JSON API connectors (HN, Algolia, Reddit, GitHub): `getJson`, which validates the
 * answer's shape so a changed or broken API fails with a clear reason.
 */
export abstract class JsonApiSource extends TrackedSource {
  constructor(
    spec: string,
    protected readonly http: HttpClient,
  ) {
    super(spec);
  }

  /** GETs JSON and checks it against `schema`; a mismatch is a SourceFormatError naming the first problem. */
  protected async getJson<S extends z.ZodType>(
    schema: S,
    url: string,
    options: FetchOptions,
    extra: Partial<HttpRequest> = {},
  ): Promise<{ data: z.infer<S> | undefined; response: HttpResponse }> {
    const { data, response } = await this.http.getJson({ spec: this.spec, url, signal: options.signal, stats: this.current, ...extra });
    if (response.notModified) return { data: undefined, response };
    return { data: checkShape(this.spec, response.url, schema, data), response };
  }

  /** Emits one page, keeping the counters. */
  protected emit(page: RawItem[]): RawItem[] {
    this.current.emitted += page.length;
    return page;
  }
}

/** Validates a decoded API answer; the message says where the shape differs from what the API documents. */
export function checkShape<S extends z.ZodType>(spec: string, url: string, schema: S, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new SourceFormatError(spec, `${url} answered JSON of an unexpected shape${where}: ${issue?.message ?? 'invalid'}`);
}

/** A finite number, or undefined (APIs send null for "unknown"). */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Epoch seconds → Date, undefined when missing or absurd. */
export function fromEpochSeconds(value: unknown): Date | undefined {
  const n = num(value);
  return n !== undefined && n > 0 ? new Date(n * 1000) : undefined;
}
