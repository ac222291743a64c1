import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DataSource } from 'typeorm';

const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;

/**
 * Writes `runs` CSV slices of `rows` distinct rows each, taken at a stride through the source file
 * (wrapping), so consecutive runs overlap and exercise cross-run dedupe. Returns the file paths.
 */
export function writeSlices(sourceCsv: string, dir: string, runs: number, rows: number): string[] {
  const records = parse(fs.readFileSync(sourceCsv), { columns: false, skip_empty_lines: true }) as string[][];
  const [header, ...body] = records;
  if (!header || body.length === 0) throw new Error(`${sourceCsv} has no rows`);
  const take = Math.min(rows, body.length);
  const stride = Math.max(1, Math.floor(body.length / 7));
  fs.mkdirSync(dir, { recursive: true });
  return Array.from({ length: runs }, (_, i) => {
    const start = (i * stride) % body.length;
    const lines = [header, ...Array.from({ length: take }, (_, k) => body[(start + k) % body.length] ?? [])];
    const file = path.join(dir, `slice-${String(i).padStart(3, '0')}.csv`);
    fs.writeFileSync(file, lines.map((r) => r.map(quote).join(',')).join('\n') + '\n');
    return file;
  });
}

/** What a run must leave behind: totals that a faulted run must reproduce exactly. */
export interface DbCounts {
  items: number;
  embeddings: number;
  trendMembers: number;
  activeTrends: number;
  summaries: number;
  duplicateUrls: number;
  duplicateEmbeddings: number;
}

const n = async (db: DataSource, sql: string, params: unknown[] = []) => Number(((await db.query(sql, params)) as Array<{ n: string }>)[0]?.n ?? 0);

export async function countDb(db: DataSource): Promise<DbCounts> {
  return {
    items: await n(db, 'SELECT count(*) AS n FROM items'),
    embeddings: await n(db, 'SELECT count(*) AS n FROM embeddings'),
    trendMembers: await n(db, 'SELECT count(*) AS n FROM trend_members'),
    activeTrends: await n(db, `SELECT count(*) AS n FROM trends WHERE status = 'active'`),
    summaries: await n(db, 'SELECT count(*) AS n FROM summaries'),
    duplicateUrls: await n(db, 'SELECT count(*) - count(DISTINCT canonical_url) AS n FROM items'),
    duplicateEmbeddings: await n(db, 'SELECT count(*) - count(DISTINCT (model_id, content_hash)) AS n FROM embeddings'),
  };
}

/** With window `all`, every item stored so far must be assigned exactly once in the run. */
export async function assignmentsMatch(db: DataSource, runId: string): Promise<{ assigned: number; items: number }> {
  return {
    assigned: await n(db, 'SELECT count(*) AS n FROM cluster_assignments WHERE run_id = $1', [runId]),
    items: await n(db, 'SELECT count(*) AS n FROM items'),
  };
}
