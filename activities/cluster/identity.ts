/**
 * Trend identity across runs, as pure logic: given which trend each window item belonged to before
 * this run and this run's cluster labels, decide which clusters continue a trend, which trends merge
 * into another, and which clusters are new (created from nothing, or split off an earlier trend).
 * Nothing is renumbered: a trend id either lives on or is recorded as merged or dissolved.
 */
import { NOISE_LABEL } from './metrics';

/** The fate of one cluster of this run. */
export interface ClusterIdentity {
  label: number;
  /** The existing trend this cluster continues; null when it becomes a new trend. */
  continues: number | null;
  /** Other existing trends whose members (most of them) are in this cluster: merged into `continues`. */
  absorbs: number[];
  /** For a new trend: the existing trend it took the most members from (a split), else null (a create). */
  splitFrom: number | null;
}

export interface IdentityPlan {
  clusters: ClusterIdentity[];
  /** Earlier trends with members in the window none of which is in any cluster now. */
  orphaned: number[];
}

/**
 * Each earlier trend's heir is the cluster holding most of its window members (ties: the smaller
 * label, i.e. the larger cluster). A cluster that is heir to several trends continues the one with
 * most members in it (ties: the older id) and absorbs the others; a cluster heir to none is new.
 * `previousTrends[i]` is the trend of item i before this run (null: none); `labels[i]` its label now.
 */
export function planIdentity(previousTrends: ReadonlyArray<number | null>, labels: readonly number[]): IdentityPlan {
  if (previousTrends.length !== labels.length) throw new RangeError(`${previousTrends.length} previous trends for ${labels.length} labels`);
  // counts.get(label).get(trend) = members of `trend` now in cluster `label`.
  const counts = new Map<number, Map<number, number>>();
  const clusterLabels = new Set<number>();
  const earlier = new Set<number>();
  labels.forEach((label, i) => {
    const trend = previousTrends[i] ?? null;
    if (trend !== null) earlier.add(trend);
    if (label === NOISE_LABEL) return;
    clusterLabels.add(label);
    if (trend === null) return;
    let row = counts.get(label);
    if (row === undefined) counts.set(label, (row = new Map()));
    row.set(trend, (row.get(trend) ?? 0) + 1);
  });

  const heir = new Map<number, { label: number; n: number }>();
  for (const [label, row] of counts) {
    for (const [trend, n] of row) {
      const h = heir.get(trend);
      if (h === undefined || n > h.n || (n === h.n && label < h.label)) heir.set(trend, { label, n });
    }
  }
  const heirsOf = new Map<number, number[]>();
  for (const [trend, h] of heir) {
    let list = heirsOf.get(h.label);
    if (list === undefined) heirsOf.set(h.label, (list = []));
    list.push(trend);
  }

  const byMembersThenId = (row: Map<number, number> | undefined) => (a: number, b: number) =>
    (row?.get(b) ?? 0) - (row?.get(a) ?? 0) || a - b;
  const clusters = [...clusterLabels]
    .sort((a, b) => a - b)
    .map((label): ClusterIdentity => {
      const row = counts.get(label);
      const trends = (heirsOf.get(label) ?? []).sort(byMembersThenId(row));
      if (trends.length > 0) return { label, continues: trends[0] as number, absorbs: trends.slice(1).sort((a, b) => a - b), splitFrom: null };
      const donors = [...(row?.keys() ?? [])].sort(byMembersThenId(row));
      return { label, continues: null, absorbs: [], splitFrom: donors[0] ?? null };
    });
  const orphaned = [...earlier].filter((t) => !heir.has(t)).sort((a, b) => a - b);
  return { clusters, orphaned };
}
