import { pipeline } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { SourceFormatError } from '../errors';
import { LocalFileSource, openLocalFile } from './file-source';
import { missingColumns } from './spec';
import type { FetchOptions, RawItem } from './types';

// Dev rows are ~300 bytes; a record this big is an unclosed quote swallowing the rest of the file.
const MAX_RECORD_BYTES = 1_000_000;

/** Reads a local CSV file as a stream, one page of items at a time; rows without title or url are skipped and counted. */
export class CsvSource extends LocalFileSource {
  readonly kind = 'csv';

  async *fetchPages(options: FetchOptions = {}): AsyncGenerator<RawItem[]> {
    const { spec, config } = this;
    const stats = this.startStats();
    const input = await openLocalFile(spec, config.path, options.signal);

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

    yield* this.pagesOf(parser as AsyncIterable<Record<string, string>>, stats, options, () => {
      parser.destroy();
      input.destroy();
    });

    if (header === undefined) throw new SourceFormatError(spec, `${config.path} is empty; expected a header row`);
    if (stats.rows > 0 && stats.emitted === 0) {
      throw new SourceFormatError(spec, `${config.path}: none of ${stats.rows} rows could be read as an item with a title and url`);
    }
  }
}

