import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { errorMessage, SourceError, SourceFetchError, SourceFormatError, SourceNotFoundError } from '../errors';
import { mapRecord, type FileSourceConfig, type SourceStats } from './spec';
import type { FetchOptions, RawItem, Source } from './types';

export const DEFAULT_PAGE_SIZE = 500;

/**
 * What the local-file sources (csv:, jsonl:) share: the counters of the latest fetch, and turning a
 * stream of records into pages of items. Subclasses only parse their format into records.
 */
export abstract class LocalFileSource implements Source {
  abstract readonly kind: string;
  private current: SourceStats = { rows: 0, emitted: 0, skipped: 0 };

  constructor(
    readonly spec: string,
    protected readonly config: FileSourceConfig,
  ) {}

  /** Counters of the latest (or running) fetchPages call. */
  get stats(): SourceStats {
    return { ...this.current };
  }

  abstract fetchPages(options?: FetchOptions): AsyncGenerator<RawItem[]>;

  /** Fresh counters for a new fetch; the `stats` getter reads them while it runs. */
  protected startStats(): SourceStats {
    this.current = { rows: 0, emitted: 0, skipped: 0 };
    return this.current;
  }

  /**
   * Maps each record to an item (records without title or url are skipped and counted) and yields
   * them a page at a time. Read and parse failures become SourceErrors; `close` runs however the
   * loop ends, also when the consumer stops early, so the file descriptor is released.
   */
  protected async *pagesOf(
    records: AsyncIterable<Record<string, unknown>>,
    stats: SourceStats,
    options: FetchOptions,
    close: () => void,
  ): AsyncGenerator<RawItem[]> {
    const { signal } = options;
    const pageSize = pageSizeOf(options);
    let page: RawItem[] = [];
    try {
      for await (const record of records) {
        stats.rows += 1;
        const item = mapRecord(record, this.config);
        if (item === null) {
          stats.skipped += 1;
          continue;
        }
        page.push(item);
        if (page.length >= pageSize) {
          stats.emitted += page.length;
          yield page;
          page = [];
          signal?.throwIfAborted();
        }
      }
    } catch (err) {
      throw toFileError(this.spec, this.config.path, err, signal);
    } finally {
      close();
    }
    if (page.length > 0) {
      stats.emitted += page.length;
      yield page;
    }
  }
}

/** Items per page, defaulting to DEFAULT_PAGE_SIZE; nonsense values fall back rather than throw. */
export function pageSizeOf(options: FetchOptions): number {
  const size = options.pageSize;
  return size !== undefined && Number.isInteger(size) && size > 0 ? size : DEFAULT_PAGE_SIZE;
}

/** Opens a local file for streaming after checking it exists, so a missing file is a SourceNotFoundError up front. */
export async function openLocalFile(spec: string, path: string, signal?: AbortSignal): Promise<ReadStream> {
  signal?.throwIfAborted();
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SourceNotFoundError(spec, `${path} is not a regular file`);
  } catch (err) {
    throw toFileError(spec, path, err, signal);
  }
  return createReadStream(path, signal ? { signal } : {});
}

/** Maps fs and csv-parse failures to SourceErrors; a caller's abort is rethrown as its own reason. */
export function toFileError(spec: string, path: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason;
  if (err instanceof SourceError) return err;
  const code = errorCode(err);
  const message = errorMessage(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new SourceNotFoundError(spec, `${path} does not exist`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') {
    return new SourceFetchError(spec, `cannot read ${path}: ${message}`, { retryable: false, cause: err });
  }
  if (code?.startsWith('CSV_')) return new SourceFormatError(spec, `${path} is not valid CSV: ${message}`, { cause: err });
  return new SourceFetchError(spec, `reading ${path} failed: ${message}`, { cause: err });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
