import { createInterface } from 'node:readline';
import { SourceFormatError } from '../errors';
import { LocalFileSource, openLocalFile } from './file-source';
import { missingColumns, type SourceStats } from './spec';
import type { FetchOptions, RawItem } from './types';

// Key names are collected only from the first objects, to name missing keys without holding a huge set.
const KEY_SAMPLE_OBJECTS = 1000;

/**
 * Reads a local JSON Lines file (one object per line) as a stream, one page at a time. Lines that are not
 * JSON objects or lack title/url are skipped and counted; a file where no line yields an item is a SourceFormatError.
 */
export class JsonlSource extends LocalFileSource {
  readonly kind = 'jsonl';

  async *fetchPages(options: FetchOptions = {}): AsyncGenerator<RawItem[]> {
    const { spec, config } = this;
    const stats = this.startStats();
    const input = await openLocalFile(spec, config.path, options.signal);
    const lines = createInterface({ input, crlfDelay: Infinity });
    const seen = { invalidJson: 0, objects: 0, keys: new Set<string>() };
    yield* this.pagesOf(objectsOf(lines, stats, seen), stats, options, () => {
      lines.close();
      input.destroy();
    });

    if (stats.rows === 0 || stats.emitted > 0) return;
    if (seen.invalidJson === stats.rows) {
      throw new SourceFormatError(spec, `${config.path} is not JSON Lines: none of ${stats.rows} lines is a JSON object`);
    }
    const missing = missingColumns(config.mapping, seen.keys);
    const detail = missing.length > 0 ? `no object has key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}` : 'no object has a non-empty title and url';
    throw new SourceFormatError(spec, `${config.path}: ${detail} (${stats.rows} lines, ${seen.invalidJson} not valid JSON objects)`);
  }
}

/** The JSON objects of the lines; other lines are counted as skipped rows (and as invalid JSON) here. */
async function* objectsOf(
  lines: AsyncIterable<string>,
  stats: SourceStats,
  seen: { invalidJson: number; objects: number; keys: Set<string> },
): AsyncGenerator<Record<string, unknown>> {
  let first = true;
  for await (const rawLine of lines) {
    const line = first ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    first = false;
    if (line.trim() === '') continue;
    const record = parseObject(line);
    if (record === undefined) {
      stats.rows += 1;
      stats.skipped += 1;
      seen.invalidJson += 1;
      continue;
    }
    seen.objects += 1;
    if (seen.objects <= KEY_SAMPLE_OBJECTS) for (const key of Object.keys(record)) seen.keys.add(key);
    yield record;
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
