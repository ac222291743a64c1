/** Payload types shared by the workflow, the activities, the API and the CLI. Ids and counts only. */

export type RunTrigger = 'manual' | 'api' | 'schedule';

export interface PipelineParams {
  /** Source specs, e.g. `csv:../shared/data/news-stories-dev.csv`, `rss:https://…`. */
  sources: string[];
  /** `all` or a duration (`24h`, `7d`): which items are clustered, by published (else collected) time. */
  window: string;
  trigger?: RunTrigger;
  /** Items per embed activity; each activity embeds them in model-sized sub-batches. */
  embedBatchSize?: number;
  /** Trends summarized at once. */
  summarizeConcurrency?: number;
}

export interface StartRunInput {
  runId: string;
  params: PipelineParams;
  windowFromMs: number | null;
  windowToMs: number;
}

export interface SourceResult {
  spec: string;
  status: 'ok' | 'failed';
  fetched: number;
  inserted: number;
  duplicates: number;
  skipped: number;
  errorType?: string;
  error?: string;
}

/** A reference to up to `count` run items in an id range; the embed activity loads them itself. */
export interface EmbedBatchRef {
  runId: string;
  fromItemId: string;
  toItemId: string;
  count: number;
}

export interface EmbedPlan {
  modelId: string;
  batches: EmbedBatchRef[];
  /** Run items whose text already has a vector for this model (from any earlier run or source). */
  alreadyEmbedded: number;
}

export interface EmbedBatchResult {
  embedded: number;
  cached: number;
}

export interface ClusterWindowInput {
  runId: string;
  modelId: string;
  windowFromMs: number | null;
  windowToMs: number;
}

export interface ClusterWindowResult {
  items: number;
  clusters: number;
  noise: number;
  trendsCreated: number;
  trendsUpdated: number;
  trendsDissolved: number;
  /** Earlier trends absorbed into another this run (each recorded as a merge event). */
  trendsMerged?: number;
  /** New trends split off an earlier one this run (each recorded as a split event). */
  trendsSplit?: number;
  /** Trends whose membership changed (or that lack a summary): the ones to summarize. */
  changedTrendIds: number[];
}

export interface SummarizeTrendInput {
  runId: string;
  trendId: number;
  /** Use the extractive summarizer even if an LLM is configured (after the LLM kept failing). */
  forceExtractive?: boolean;
}

export interface SummarizeTrendResult {
  trendId: number;
  outcome: 'summarized' | 'cached' | 'gone';
  method?: string;
  /** LLM tokens this call spent (prompt + completion). */
  tokens?: number;
  /** The run's LLM token budget was spent, so this trend was summarized extractively. */
  budgetExhausted?: boolean;
}

export type RunStage = 'starting' | 'collecting' | 'embedding' | 'clustering' | 'summarizing' | 'finalizing' | 'done';

export interface RunStats {
  sources: { total: number; done: number; failed: number };
  items: { fetched: number; new: number; duplicates: number };
  embed: { batches: number; batchesDone: number; embedded: number; cached: number };
  cluster: { items: number; clusters: number; noise: number; trendsCreated: number; trendsUpdated: number; trendsMerged?: number; trendsSplit?: number };
  /** tokens: LLM tokens spent; budgetFallbacks: trends summarized extractively because the run's token budget was spent. */
  summarize: { total: number; done: number; cached: number; fallbacks: number; tokens?: number; budgetFallbacks?: number };
}

/** What the `progress` query returns. */
export interface RunProgress {
  runId: string;
  stage: RunStage;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  stats: RunStats;
  sourceResults: SourceResult[];
  modelId?: string;
  error?: string;
}

export interface FinalizeRunInput {
  runId: string;
  status: 'completed' | 'failed' | 'cancelled';
  stats: RunStats;
  error?: string;
}

export interface RecordSourceFailureInput {
  runId: string;
  spec: string;
  errorType: string;
  message: string;
}

/** What finalizeRun hands back when some webhook wants the run's outcome events (else nothing). */
export interface FinalizeRunResult {
  webhookEventIds: string[];
}

/** Backoff of webhook deliveries (config `WEBHOOK_*`), read by the planner so workflows stay config-free. */
export interface WebhookRetrySettings {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** Schedule-to-close: how long a receiver may stay down before its delivery is given up. */
  giveUpAfterMs: number;
  /** One POST's timeout. */
  timeoutMs: number;
}

/** Input of webhookDeliveryWorkflow: events to deliver, optionally to some webhooks only. */
export interface WebhookDeliveryInput {
  eventIds: string[];
  webhookIds?: number[];
}

export interface WebhookDeliveryPlan {
  deliveryIds: string[];
  retry: WebhookRetrySettings;
}

export interface DeliverWebhookInput {
  deliveryId: string;
  retry: WebhookRetrySettings;
}

export interface DeliverWebhookResult {
  deliveryId: string;
  /** skipped: the webhook was deleted or disabled meanwhile. */
  status: 'delivered' | 'skipped';
  attempts: number;
}

export interface GiveUpDeliveryInput {
  deliveryId: string;
  reason: string;
}
