import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { seededRandom } from '../lib/random';
export { seededRandom };

/**
 * Benchmark data of any size from the dev headlines, without paraphrasing: real headlines resampled
 * (each one once, in random order, before any repeats; then uniformly), with new ids, URLs and times.
 *
 * The pipeline drops items whose content hash (normalised title + text) it has seen and embeds each
 * hash once, so verbatim repeats would be stored and embedded once and fake the benchmark. A repeat
 * therefore gets a Google-News-style publisher suffix (" - Reuters"), a different publisher per copy,
 * which is how aggregators really show the same headline from several outlets.
 */

/** One row of the dev CSV (ID, TITLE, URL, PUBLISHER, CATEGORY, STORY, HOSTNAME, TIMESTAMP ms). */
export interface DevRow {
  title: string;
  publisher: string;
  hostname: string;
  category: string;
  story: string;
  timestampMs: number;
}

/** A generated row; `source` is the index of the dev row it copies. */
export interface GeneratedRow extends DevRow {
  id: number;
  url: string;
  source: number;
  copy: number;
}

export interface GenerateOptions {
  /** Uniform [0, 1) source, seeded for reproducible data. */
  random: () => number;
  /** Generation time: the newest item lands a little before it, so the data is recent. */
  nowMs: number;
  /** Each item moves by up to ± this much around its original offset within its story (default 30 s). */
  jitterMs?: number;
}

/** Reads the dev CSV. */
export function loadDevRows(file: string): DevRow[] {
  const records = parse(fs.readFileSync(file), { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<Record<string, string>>;
  return records.map((r) => ({
    title: r['TITLE'] ?? '',
    publisher: r['PUBLISHER'] ?? '',
    hostname: r['HOSTNAME'] ?? '',
    category: r['CATEGORY'] ?? '',
    story: r['STORY'] ?? '',
    timestampMs: Number(r['TIMESTAMP']),
  }));
}

/** What the content hash sees of a title (activities/collect/content-hash.ts normalises the same way). */
function hashKey(title: string): string {
  return title.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Indices into `rows`: a random permutation's first n, then uniform draws with replacement. */
function drawOrder(count: number, n: number, random: () => number): number[] {
  const perm = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
  }
  const out = perm.slice(0, Math.min(n, count));
  while (out.length < n) out.push(Math.floor(random() * count));
  return out;
}

/**
 * n rows resampled from `rows`, every title unique under the content hash's normalisation, ids 1..n in
 * time order. Times keep each story's burst: the dev set is shifted as a whole so its newest item is
 * ten minutes before `nowMs`, and each item moves by a small jitter around its shifted time.
 */
export function generateRows(rows: readonly DevRow[], n: number, o: GenerateOptions): GeneratedRow[] {
  if (rows.length === 0) throw new TypeError('no dev rows to resample');
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`n must be a positive integer, got ${n}`);
  const jitterMs = o.jitterMs ?? 30_000;
  const publishers = [...new Map(rows.map((r) => [r.publisher, r.hostname])).entries()];
  const newest = Math.max(...rows.map((r) => r.timestampMs));
  const shift = o.nowMs - 10 * 60_000 - jitterMs - newest;
  const used = new Set<string>();
  const copies = new Map<number, Set<string>>(); // dev row → publishers its copies already carry

  const pickCopy = (row: DevRow, source: number): Pick<DevRow, 'title' | 'publisher' | 'hostname'> => {
    const taken = copies.get(source) ?? new Set([row.publisher]);
    copies.set(source, taken);
    // Random tries first (uniform over the pool); a sequential scan after them guarantees termination.
    for (let t = 0; t < 64 + publishers.length; t++) {
      const k = t < 64 ? Math.floor(o.random() * publishers.length) : t - 64;
      const [publisher, hostname] = publishers[k] as [string, string];
      const title = `${row.title} - ${publisher}`;
      if (taken.has(publisher) || used.has(hashKey(title))) continue;
      taken.add(publisher);
      return { title, publisher, hostname };
    }
    throw new Error(`ran out of publishers for copies of "${row.title}" (${publishers.length} in the pool)`);
  };

  const out = drawOrder(rows.length, n, o.random).map((source, k) => {
    const row = rows[source] as DevRow;
    const fresh = !used.has(hashKey(row.title));
    const shown = fresh ? row : pickCopy(row, source);
    used.add(hashKey(shown.title));
    const jitter = (o.random() * 2 - 1) * jitterMs;
    return { ...row, ...shown, timestampMs: Math.round(row.timestampMs + shift + jitter), id: 0, url: '', source, copy: k };
  });
  out.sort((a, b) => a.timestampMs - b.timestampMs || a.copy - b.copy);
  // `.invalid` (RFC 2606) never resolves: these URLs only need to be unique, not real.
  out.forEach((r, i) => Object.assign(r, { id: i + 1, url: `https://bench.invalid/${r.hostname || 'unknown'}/${i + 1}` }));
  return out;
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows in the dev CSV's columns (STORY kept for scoring), so the `csv:` source's defaults read it. */
export function writeRowsCsv(file: string, rows: readonly GeneratedRow[]): void {
  const header = 'ID,TITLE,URL,PUBLISHER,CATEGORY,STORY,HOSTNAME,TIMESTAMP';
  const lines = rows.map((r) => [r.id, r.title, r.url, r.publisher, r.category, r.story, r.hostname, r.timestampMs].map(csvField).join(','));
  fs.writeFileSync(file, `${header}\n${lines.join('\n')}\n`);
}
