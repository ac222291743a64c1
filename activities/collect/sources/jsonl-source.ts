import { createInterface } from 'node:readline';
import { SourceFormatError } from '../errors';
import { openLocalFile, pageSizeOf, toFileError } from './csv-source';
import { mapRecord, missingColumns, type FileSourceConfig, type SourceStats } from './spec';
import type { FetchOptions, RawItem, Source } from './types';

// Key names are collected only from the first objects, to name missing keys without holding a huge set.
const KEY_SAMPLE_OBJECTS = 1000;

/**
 * Reads a local JSON Lines file (one object per line) as a stream, one page at a time. Lines that are not
 * JSON objects or lack title/url are skipped and counted; a file where no line yields an item is a SourceFormatError.
 */
export class JsonlSource implements Source {
  readonly kind = 'jsonl';
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
    const lines = createInterface({ input, crlfDelay: Infinity });

    let invalidJson = 0;
    let objects = 0;
    const keysSeen = new Set<string>();
    let page: RawItem[] = [];
    try {
      for await (const rawLine of lines) {
        const line = stats.rows === 0 && invalidJson === 0 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
        if (line.trim() === '') continue;
        stats.rows += 1;
        const record = parseObject(line);
        if (record === undefined) {
          invalidJson += 1;
          stats.skipped += 1;
          continue;
        }
        objects += 1;
        if (objects <= KEY_SAMPLE_OBJECTS) for (const key of Object.keys(record)) keysSeen.add(key);
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
      lines.close();
      input.destroy();
    }

    if (page.length > 0) {
      stats.emitted += page.length;
      yield page;
    }
    if (stats.rows === 0 || stats.emitted > 0) return;
    if (invalidJson === stats.rows) {
      throw new SourceFormatError(spec, `${config.path} is not JSON Lines: none of ${stats.rows} lines is a JSON object`);
    }
    const missing = missingColumns(config.mapping, keysSeen);
    const detail = missing.length > 0 ? `no object has key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : 'no object has a non-empty title and url';
    throw new SourceFormatError(spec, `${config.path}: ${detail} (${stats.rows} lines, ${invalidJson} not valid JSON objects)`);
  }
}

/** Deeper than any real record; hostile nesting would overflow the stack when the item is stored later. */
const MAX_JSON_DEPTH = 64;

/** Nesting depth of a JSON text, counting brackets outside strings, stopping early once past the limit. */
function tooDeep(line: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** The line as a JSON object, or undefined for invalid or too deeply nested JSON and for arrays/scalars. */
function parseObject(line: string): Record<string, unknown> | undefined {
  if (tooDeep(line)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
