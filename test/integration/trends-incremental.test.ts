import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import pino from 'pino';
import { listen, type RunningApi } from '../../api/server';
import { renderExplanation } from '../../cli/commands/trends';
import { evaluateRun, type EvalReport } from '../../services/eval';
import { explainTrend } from '../../services/trends';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import { openTestStack, type TestStack } from '../helpers/stack';

const DEV_CSV = path.resolve(__dirname, '../../../shared/data/news-stories-dev.csv');
const SLICES = 4;
const LABELS = { labelsPath: DEV_CSV, labelColumn: 'STORY', urlColumn: 'URL' };

/** Writes the dev rows, ordered by TIMESTAMP, as `SLICES` CSV files of (nearly) equal size: a feed arriving over time. */
function writeTimeSlices(dir: string): string[] {
  const text = fs.readFileSync(DEV_CSV, 'utf8');
  const [header = ''] = text.split('\n', 1);
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_quotes: true }) as Array<Record<string, string>>;
  const columns = header.trim().split(',');
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const ordered = rows.map((r, i) => ({ r, i })).sort((a, b) => Number(a.r['TIMESTAMP']) - Number(b.r['TIMESTAMP']) || a.i - b.i);
  return Array.from({ length: SLICES }, (_, k) => {
    const part = ordered.slice(Math.round((k * ordered.length) / SLICES), Math.round(((k + 1) * ordered.length) / SLICES));
    const file = path.join(dir, `dev-slice-${k + 1}.csv`);
    fs.writeFileSync(file, [columns.join(','), ...part.map(({ r }) => columns.map((c) => quote(r[c] ?? '')).join(','))].join('\n') + '\n');
    return file;
  });
}

async function run(stack: TestStack, sources: string[]): Promise<RunProgress> {
  const { runId } = await startPipelineRun(stack.client, { sources, window: 'all', trigger: 'manual' });
  return (await stack.client.workflow.getHandle(runId).result()) as RunProgress;
}

const activeTrendIds = async (stack: TestStack): Promise<number[]> =>
  (await stack.db.query(`SELECT id FROM trends WHERE status = 'active' ORDER BY id`)).map((r: { id: number }) => r.id);

const fmt = (r: EvalReport) => `NMI ${r.nmi.toFixed(3)} ARI ${r.ari.toFixed(3)} V ${r.vMeasure.toFixed(3)} noise ${r.noiseFraction.toFixed(3)} clusters ${r.clusters}`;

describe('trend identity over time-ordered runs of the dev data (real workflow, Temporal, Postgres, USE embeddings)', () => {
  let single: EvalReport;
  const perRun: EvalReport[] = [];

  it('one run over all the dev data: the reference score', async () => {
    const stack = await openTestStack('trends_single');
    try {
      await stack.startWorkers();
      const result = await run(stack, [`csv:${DEV_CSV}`]);
      expect(result.status).toBe('completed');
      single = await evaluateRun(stack.db, result.runId, LABELS);
      console.info(`single run: ${fmt(single)}`);
      expect(single.nmi).toBeGreaterThanOrEqual(0.9);
      expect(single.ari).toBeGreaterThanOrEqual(0.8);
    } finally {
      await stack.close(); // its workers must stop before the next stack's poll the same task queues
    }
  });

  describe('the same data as four runs, one per TIMESTAMP quartile', () => {
    let stack: TestStack;
    let api: RunningApi;
    let slices: string[];

    beforeAll(async () => {
      stack = await openTestStack('trends_incremental');
      const workers = await stack.startWorkers();
      slices = writeTimeSlices(stack.dataDir);
      api = await listen(
        { config: stack.config, db: stack.db, temporal: () => stack.client, vectorStore: workers.deps.getVectorStore, log: pino({ level: 'silent' }) },
        '127.0.0.1',
        0,
      );
    });

    afterAll(async () => {
      await api?.close();
      await stack?.close();
    });

    it('keeps every trend id (or records its merge) from run to run and ends as good as the single run', async () => {
      let before: number[] = [];
      for (const [k, slice] of slices.entries()) {
        const result = await run(stack, [`csv:${slice}`]);
        expect(result.status).toBe('completed');
        const report = await evaluateRun(stack.db, result.runId, LABELS);
        perRun.push(report);
        const after = await activeTrendIds(stack);
        const merged: Array<{ other_trend_id: number; trend_id: number }> = await stack.db.query(
          `SELECT other_trend_id, trend_id FROM trend_events WHERE run_id = $1 AND kind = 'merge'`,
          [result.runId],
        );
        const events: Array<{ kind: string; n: number }> = await stack.db.query(
          `SELECT kind, count(*)::int AS n FROM trend_events WHERE run_id = $1 GROUP BY kind ORDER BY kind`,
          [result.runId],
        );
        console.info(`run ${k + 1}: ${report.items} items ${fmt(report)}; events ${JSON.stringify(events)}; summarize ${JSON.stringify(result.stats.summarize)}`);
        const mergedAway = new Set(merged.map((m) => m.other_trend_id));
        const lost = before.filter((id) => !after.includes(id) && !mergedAway.has(id));
        expect(lost).toEqual([]);
        for (const m of merged) expect(after).toContain(m.trend_id);
        // Every trend created this run has a create or split event, and nothing else was created.
        const created = after.filter((id) => !before.includes(id));
        const createEvents: Array<{ trend_id: number }> = await stack.db.query(
          `SELECT trend_id FROM trend_events WHERE run_id = $1 AND kind IN ('create', 'split') ORDER BY trend_id`,
          [result.runId],
        );
        expect(createEvents.map((e) => e.trend_id)).toEqual(created);
        // Membership only grows: a trend of the previous run keeps all its items unless merged.
        before = after;
      }
      const last = perRun[perRun.length - 1] as EvalReport;
      console.info(`incremental vs single: NMI ${last.nmi.toFixed(3)} vs ${single.nmi.toFixed(3)}, ARI ${last.ari.toFixed(3)} vs ${single.ari.toFixed(3)}`);
      expect(last.items).toBe(single.items);
      expect(last.nmi).toBeGreaterThanOrEqual(single.nmi - 0.03);
      expect(last.ari).toBeGreaterThanOrEqual(single.ari - 0.05);
    });

    it('a rerun of every slice brings nothing new, so no trend changes and no summary is made again', async () => {
      const trends = await stack.db.query(`SELECT id, membership_hash, label FROM trends ORDER BY id`);
      const summaries = await stack.db.query(`SELECT trend_id, created_at FROM summaries ORDER BY trend_id`);
      const rerun = await run(stack, slices.map((s) => `csv:${s}`));
      expect(rerun.status).toBe('completed');
      expect(rerun.stats.items.new).toBe(0);
      expect(rerun.stats.summarize.total).toBe(0);
      expect(await stack.db.query(`SELECT id, membership_hash, label FROM trends ORDER BY id`)).toEqual(trends);
      expect(await stack.db.query(`SELECT trend_id, created_at FROM summaries ORDER BY trend_id`)).toEqual(summaries);
      const report = await evaluateRun(stack.db, rerun.runId, LABELS);
      expect(report.nmi).toBeCloseTo((perRun[perRun.length - 1] as EvalReport).nmi, 10);
    });

    it('lifecycle, digest and explain endpoints answer from the real trends', async () => {
      const get = async <T>(p: string): Promise<{ status: number; body: T }> => {
        const res = await fetch(`${api.url}${p}`);
        return { status: res.status, body: (await res.json()) as T };
      };
      type Row = { id: number; lifecycle: string; velocity: number; explanation: string; summary: { title: string } | null };
      const all = await get<{ total: number; trends: Row[] }>('/api/v1/trends?limit=500');
      expect(all.status).toBe(200);
      const stages = new Set(all.body.trends.map((t) => t.lifecycle));
      console.info(`lifecycles: ${JSON.stringify([...stages])}`);
      expect(stages.size).toBeGreaterThanOrEqual(2);
      for (const t of all.body.trends) expect(t.explanation.length).toBeGreaterThan(10);

      const emerging = await get<{ total: number; trends: Row[] }>('/api/v1/trends?status=emerging&sort=velocity');
      expect(emerging.status).toBe(200);
      expect(emerging.body.trends.every((t) => t.lifecycle === 'emerging')).toBe(true);
      const v = emerging.body.trends.map((t) => t.velocity);
      expect(v).toEqual([...v].sort((a, b) => b - a));
      const viaParam = await get<{ total: number }>('/api/v1/trends?lifecycle=emerging');
      expect(viaParam.body.total).toBe(emerging.body.total);
      expect((await get('/api/v1/trends?sort=bogus')).status).toBe(400);

      type Digest = { window: string; to: string; trends: Array<{ id: number; title: string; summary: string; windowItems: number; headlines: unknown[] }> };
      const digest = await get<Digest>('/api/v1/digest?window=12h&limit=5');
      expect(digest.status).toBe(200);
      expect(digest.body.trends.length).toBe(5);
      for (const t of digest.body.trends) {
        expect(t.summary.length).toBeGreaterThan(0);
        expect(t.windowItems).toBeGreaterThan(0);
        expect(t.headlines.length).toBeGreaterThan(0);
      }
      const counts = digest.body.trends.map((t) => t.windowItems);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      expect((await get('/api/v1/digest?window=forever')).status).toBe(400);

      type Explain = { keywords: unknown[]; representatives: Array<{ title: string }>; publishers: unknown[]; sources: unknown[]; events: Array<{ kind: string }> };
      const top = all.body.trends[0] as Row;
      const explain = await get<Explain>(`/api/v1/trends/${top.id}/explain`);
      expect(explain.status).toBe(200);
      expect(explain.body.keywords.length).toBeGreaterThan(0);
      expect(explain.body.representatives.length).toBeGreaterThan(0);
      expect(explain.body.publishers.length).toBeGreaterThan(1);
      expect(['create', 'split']).toContain(explain.body.events[0]?.kind);

      // `trendflow trends --explain <id>` prints the same evidence.
      const printed = renderExplanation(await explainTrend(stack.db, top.id));
      console.info(printed.split('\n').slice(0, 14).join('\n'));
      expect(printed).toContain(`trend ${top.id}: `);
      expect(printed).toContain((explain.body.representatives[0] as { title: string }).title.slice(0, 40));
      expect(printed).toMatch(/representative items[\s\S]*member publishers[\s\S]*sources:[\s\S]*identity events/);
    });
  });
});
