import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type { SummarizeTrendInput, SummarizeTrendResult } from '../../workflows/types';
import { summaryKeyOf, type Summarizer, type TrendForSummary } from './types';

export interface SummarizeActivityDeps {
  db: DataSource;
  /** The configured summarizer (LLM when set up, else extractive). */
  summarizer: Summarizer;
  /** Used when the workflow asks for the fallback. */
  extractive: Summarizer;
  /** Members shown to the summarizer, most central first. */
  maxItems?: number;
  /**
   * LLM tokens (prompt + completion) one run may spend; once its counter reaches this, the run's
   * remaining trends are summarized extractively. Undefined = no limit. Calls already in flight when
   * the budget runs out still finish, so a run can overshoot by up to one call per concurrent slot.
   */
  tokenBudgetPerRun?: number;
}

interface MemberRow {
  id: string;
  title: string;
  text: string;
  url: string;
  source: string;
}

// An LLM call can take a minute; beating meanwhile lets Temporal notice a dead worker within the
// heartbeat timeout (1 min) instead of the 5-minute start-to-close limit, and delivers cancellation.
const HEARTBEAT_EVERY_MS = 10_000;

async function heartbeatWhile<T>(work: Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** The summarize stage: one activity per new or changed trend; unchanged memberships are never re-summarized. */
export function createSummarizeActivities({ db, summarizer, extractive, maxItems = 20, tokenBudgetPerRun }: SummarizeActivityDeps) {
  /** True when the run has spent its budget; counts the fallback it causes. */
  async function budgetSpent(runId: string): Promise<boolean> {
    if (tokenBudgetPerRun === undefined) return false;
    const [row] = (await db.query(`SELECT prompt_tokens + completion_tokens AS spent FROM run_llm_usage WHERE run_id = $1`, [runId])) as Array<{
      spent: number;
    }>;
    if ((row?.spent ?? 0) < tokenBudgetPerRun) return false;
    await db.query(
      `INSERT INTO run_llm_usage (run_id, budget_fallbacks) VALUES ($1, 1)
       ON CONFLICT (run_id) DO UPDATE SET budget_fallbacks = run_llm_usage.budget_fallbacks + 1, updated_at = now()`,
      [runId],
    );
    return true;
  }

  return {
    async summarizeTrend(input: SummarizeTrendInput): Promise<SummarizeTrendResult> {
      let use = input.forceExtractive ? extractive : summarizer;
      const [trend] = (await db.query(
        `SELECT t.id, t.status, t.membership_hash, t.keywords, t.representative_ids, t.size, t.source_count,
                s.membership_hash AS summary_hash, s.model AS summary_model, s.prompt_version AS summary_prompt
         FROM trends t LEFT JOIN summaries s ON s.trend_id = t.id WHERE t.id = $1`,
        [input.trendId],
      )) as Array<{
        id: number;
        status: string;
        membership_hash: string | null;
        keywords: Array<{ term: string }>;
        representative_ids: string[];
        size: number;
        source_count: number;
        summary_hash: string | null;
        summary_model: string | null;
        summary_prompt: string | null;
      }>;
      if (!trend || trend.status !== 'active' || !trend.membership_hash) return { trendId: input.trendId, outcome: 'gone' };
      // The cache key is (prompt version, model, membership hash): an unchanged trend is never summarized twice.
      const cached = (s: Summarizer): boolean => {
        const key = summaryKeyOf(s);
        return trend.summary_hash === trend.membership_hash && trend.summary_model === key.model && trend.summary_prompt === key.promptVersion;
      };
      if (cached(use)) return { trendId: input.trendId, outcome: 'cached' };
      const budgetExhausted = summaryKeyOf(use).usesTokens && (await budgetSpent(input.runId));
      if (budgetExhausted) {
        use = extractive;
        if (cached(use)) return { trendId: input.trendId, outcome: 'cached', budgetExhausted };
      }
      // Representatives (most central first), then the other members by similarity to the centroid.
      const members: MemberRow[] = await db.query(
        `SELECT i.id, i.title, i.text, i.url, coalesce(i.metadata->>'publisher', s.spec) AS source
         FROM trend_members m JOIN items i ON i.id = m.item_id JOIN sources s ON s.id = i.source_id
         WHERE m.trend_id = $1
         ORDER BY array_position($2::bigint[], i.id) NULLS LAST, m.similarity DESC, i.id
         LIMIT $3`,
        [input.trendId, trend.representative_ids, maxItems],
      );
      const forSummary: TrendForSummary = {
        keywords: trend.keywords.map((k) => k.term),
        items: members.map((m) => ({ title: m.title, text: m.text || undefined, source: m.source, url: m.url })),
        totals: { items: trend.size, sources: trend.source_count },
      };
      let summary;
      try {
        summary = await heartbeatWhile(use.summarize(forSummary, Context.current().cancellationSignal));
      } catch (err) {
        // A request the endpoint rejects for good (bad model name, auth) skips Temporal's retries, so the
        // workflow falls back at once; junk output is retried, as sampling may do better next time.
        const e = err as { retryable?: boolean; retryAfterMs?: number; name?: string; message?: string };
        if (e.retryable === undefined) throw err;
        throw ApplicationFailure.create({
          message: e.message ?? String(err),
          type: e.name ?? 'SummarizeError',
          nonRetryable: !e.retryable,
          nextRetryDelay: e.retryAfterMs,
        });
      }
      await db.query(
        `INSERT INTO summaries (trend_id, membership_hash, title, summary, key_points, entities, method, model, prompt_version, tokens, run_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (trend_id) DO UPDATE SET membership_hash = EXCLUDED.membership_hash, title = EXCLUDED.title,
           summary = EXCLUDED.summary, key_points = EXCLUDED.key_points, entities = EXCLUDED.entities,
           method = EXCLUDED.method, model = EXCLUDED.model, prompt_version = EXCLUDED.prompt_version,
           tokens = EXCLUDED.tokens, run_id = EXCLUDED.run_id, created_at = now()`,
        [
          input.trendId,
          trend.membership_hash,
          summary.title,
          summary.summary,
          JSON.stringify(summary.keyPoints),
          JSON.stringify(summary.entities ?? []),
          summary.method,
          summary.model,
          summary.promptVersion,
          summary.tokens ? JSON.stringify(summary.tokens) : null,
          input.runId,
        ],
      );
      await db.query(`UPDATE trends SET label = $2 WHERE id = $1`, [input.trendId, summary.title]);
      const tokens = summary.tokens ? summary.tokens.prompt + summary.tokens.completion : 0;
      if (summaryKeyOf(use).usesTokens) {
        await db.query(
          `INSERT INTO run_llm_usage (run_id, calls, prompt_tokens, completion_tokens) VALUES ($1, 1, $2, $3)
           ON CONFLICT (run_id) DO UPDATE SET calls = run_llm_usage.calls + 1, prompt_tokens = run_llm_usage.prompt_tokens + EXCLUDED.prompt_tokens,
             completion_tokens = run_llm_usage.completion_tokens + EXCLUDED.completion_tokens, updated_at = now()`,
          [input.runId, summary.tokens?.prompt ?? 0, summary.tokens?.completion ?? 0],
        );
      }
      return {
        trendId: input.trendId,
        outcome: 'summarized',
        method: summary.method,
        ...(tokens > 0 ? { tokens } : {}),
        ...(budgetExhausted ? { budgetExhausted } : {}),
      };
    },
  };
}

export type SummarizeActivities = ReturnType<typeof createSummarizeActivities>;
