/** Input to the clustering algorithm: parallel arrays, one entry per item in the window. */
export interface ClusterInput {
  /** Unit-length embeddings, all of one model. */
  vectors: Float32Array[];
  /** Text used for keywords (usually the title, plus text when short). */
  texts: string[];
  /**
   * The existing trend (any stable key) each item already belongs to, null for none. Items sharing a
   * seed start as one cluster; new items join it under the same average-linkage rule that governs every merge.
   */
  seeds?: ReadonlyArray<number | null>;
  /** Published (else collected) time of each item in ms; enables the time-gap penalty. */
  times?: readonly number[];
}

export interface ClusterOptions {
  /** Clusters smaller than this become noise (label -1). */
  minClusterSize: number;
  /** Keywords kept per cluster. */
  topKeywords: number;
  /** Representative members kept per cluster, most central first. */
  topRepresentatives: number;
  /** Average-linkage cut: clusters merge while their mean pairwise blended cosine distance is ≤ this. */
  distanceThreshold?: number;
  /** Weight of the texts' TF-IDF cosine in the blended similarity (0 = embeddings only). */
  lexicalWeight?: number;
  /**
   * A noise point rejoins its nearest cluster when its cosine to that centroid reaches the
   * cluster's own member-to-centroid similarity at this quantile (0 = least typical member).
   * Negative disables reassignment.
   */
  reassignQuantile?: number;
  /** Add two-word terms to the keywords (BERTopic's default is single words; pairs repeat them). */
  keywordBigrams?: boolean;
  /** Re-check seeded clusters and split those whose members form separate stories (see `splitParts`). */
  splitSeeded?: boolean;
  /** Distance added to a pair `timeScaleMs` or more apart (linearly less for closer pairs); 0 = ignore time. */
  timeWeight?: number;
  timeScaleMs?: number;
  /**
   * Windows of up to this many items are clustered exactly with one distance matrix; bigger ones
   * in blocks of at most this many, level by level (see multilevel.ts). Memory grows with its square.
   */
  blockSize?: number;
}

export interface KeywordScore {
  term: string;
  score: number;
}

export interface ClusterResult {
  /** One label per input, -1 for noise; cluster labels are 0..k-1, largest cluster first. */
  labels: number[];
  clusters: Array<{
    label: number;
    /** Indexes into the input arrays. */
    members: number[];
    keywords: KeywordScore[];
    /** Indexes of the most central members (cosine to the centroid), most central first. */
    representatives: number[];
    /** Mean cosine similarity of members to the centroid, in [-1, 1]. */
    cohesion: number;
  }>;
}
