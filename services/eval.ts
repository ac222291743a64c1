import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { DataSource } from 'typeorm';
import { canonicalUrl } from '../activities/collect/canonical-url';
import { scoreClustering } from '../activities/cluster/metrics';
import { NotFoundError, ValidationError } from './errors';

export interface EvalOptions {
  labelsPath: string;
  labelColumn: string;
  /** Column holding each row's URL; rows are matched to items by canonical URL. */
  urlColumn: string;
  /** Alternatively match on the item's external id (e.g. the CSV's ID column). */
  idColumn?: string;
}

export interface EvalReport {
  runId: string;
  ari: number;
  nmi: number;
  vMeasure: number;
  homogeneity: number;
  completeness: number;
  clusters: number;
  noiseFraction: number;
  /** Items of the run's clustering that had a label. */
  items: number;
  /** Labelled rows with no clustered item (not stored, or dropped as duplicates). */
  unmatched: number;
}

/**
 * Scores a run's stored cluster assignments against ground-truth labels. Noise items count as
 * singleton clusters, so leaving items unclustered is penalised rather than hidden.
 */
export async function evaluateRun(db: DataSource, runId: string, o: EvalOptions): Promise<EvalReport> {
  if (!fs.existsSync(o.labelsPath)) throw new ValidationError(`labels file not found: ${o.labelsPath}`);
  const rows = parse(fs.readFileSync(o.labelsPath), { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<
    Record<string, string>
  >;
  const keyColumn = o.idColumn ?? o.urlColumn;
  if (rows.length > 0 && (!(o.labelColumn in rows[0]!) || !(keyColumn in rows[0]!))) {
    throw new ValidationError(`labels file needs columns "${o.labelColumn}" and "${keyColumn}"`);
  }
  const labelByKey = new Map<string, string>();
  for (const r of rows) {
    const raw = r[keyColumn] ?? '';
    const key = o.idColumn ? raw : canonicalUrl(raw);
    if (key) labelByKey.set(key, r[o.labelColumn] ?? '');
  }
  const assigned: Array<{ key: string | null; trend_id: number | null }> = await db.query(
    `SELECT ${o.idColumn ? 'i.external_id' : 'i.canonical_url'} AS key, a.trend_id
     FROM cluster_assignments a JOIN items i ON i.id = a.item_id WHERE a.run_id = $1`,
    [runId],
  );
  if (assigned.length === 0) throw new NotFoundError('clustered run', runId);
  const truth: string[] = [];
  const predicted: number[] = [];
  for (const a of assigned) {
    const label = a.key === null ? undefined : labelByKey.get(a.key);
    if (label === undefined) continue;
    truth.push(label);
    predicted.push(a.trend_id ?? -1);
  }
  if (truth.length === 0) throw new ValidationError(`no item of run ${runId} matches a row of ${o.labelsPath}`);
  const s = scoreClustering(truth, predicted);
  return {
    runId,
    ari: s.ari,
    nmi: s.nmi,
    vMeasure: s.vMeasure,
    homogeneity: s.homogeneity,
    completeness: s.completeness,
    clusters: s.clusterCount,
    noiseFraction: s.noiseFraction,
    items: truth.length,
    unmatched: labelByKey.size - truth.length,
  };
}
