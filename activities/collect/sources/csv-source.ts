import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { errorMessage, SourceError, SourceFetchError, SourceFormatError, SourceNotFoundError } from '../errors';
import { mapRecord, missingColumns, type FileSourceConfig, type SourceStats } from './spec';
import type { FetchOptions, RawItem, Source } from './types';

export const DEFAULT_PAGE_SIZE = 500;
// Dev rows are ~300 bytes; a record this big is an unclosed quote swallowing the rest of the file.
const MAX_RECORD_BYTES = 1_000_000;

/** Reads a local CSV file as a stream, one page of items at a time; rows without title or url are skipped and counted. */
export class CsvSource implements Source {
  readonly kind = 'csv';
  private current: SourceStats = { rows: 0, emitted: 0, skipped: 0 };

  constructor(
    readonly spec: string,
    private readonly config: FileSourceConfig,
  ) {}

  /** Counters of the latest (or running) fetchPages call. */
  get stats(): SourceStats {
    return { ...this.current };
  }

  async *fetchPages(options: FetchOptions = {}): AsyncGenerator<RawItem[]> {
    const { spec, config } = this;
    const { signal } = options;
    const stats: SourceStats = { rows: 0, emitted: 0, skipped: 0 };
    this.current = stats;
    const pageSize = pageSizeOf(options);
    const input = await openLocalFile(spec, config.path, signal);

    let header: string[] | undefined;
    const parser = parse({
      bom: true,
      delimiter: config.delimiter,
      // News titles often carry stray quotes inside unquoted fields; reading them literally beats dropping the row.
      relax_quotes: true,
      skip_empty_lines: true,
      // Rows with the wrong number of fields are misaligned: skip and count them rather than guess.
      skip_records_with_error: true,
      max_record_size: MAX_RECORD_BYTES,
      on_skip: (err: CsvError | undefined) => {
        if (err?.code === 'CSV_MAX_RECORD_SIZE') {
          throw new SourceFormatError(spec, `${config.path}: a record exceeds ${MAX_RECORD_BYTES} bytes (unclosed quote?): ${err.message}`);
        }
        stats.rows += 1;
        stats.skipped += 1;
      },
      columns: (names: string[]) => {
        header = names.map((name) => name.trim());
        const missing = missingColumns(config.mapping, new Set(header));
        if (missing.length > 0) {
          const found = header.slice(0, 20).map((name) => JSON.stringify(name.slice(0, 40))).join(', ');
          const columns = `column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
          throw new SourceFormatError(
            spec,
            `${config.path} is missing ${columns} (header: ${found}); is it a CSV with delimiter "${config.delimiter}"?`,
          );
        }
        return header;
      },
    });
    // pipeline forwards read errors into the parser, so they surface from the loop below.
    pipeline(input, parser, () => undefined);

    let page: RawItem[] = [];
    try {
      for await (const record of parser as AsyncIterable<Record<string, string>>) {
        stats.rows += 1;
        const item = mapRecord(record, config);
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
      throw toFileError(spec, config.path, err, signal);
    } finally {
      // Also runs when the consumer stops early; releases the file descriptor.
      parser.destroy();
      input.destroy();
    }

    if (header === undefined) throw new SourceFormatError(spec, `${config.path} is empty; expected a header row`);
    if (page.length > 0) {
      stats.emitted += page.length;
      yield page;
    }
    if (stats.rows > 0 && stats.emitted === 0) {
      throw new SourceFormatError(spec, `${config.path}: none of ${stats.rows} rows could be read as an item with a title and url`);
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
