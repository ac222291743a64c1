import type { Command } from 'commander';
import {
  explainTrend,
  listTrends,
  TREND_LIFECYCLES,
  TREND_SORTS,
  type TrendExplanation,
  type TrendLifecycleFilter,
  type TrendSort,
} from '../../services/trends';
import type { CliContext } from '../context';
import { emit, table } from '../output';

interface TrendRow {
  id: number;
  size: number;
  sourceCount: number;
  label: string;
  lifecycle: string;
  velocity: number;
  summary: { title: string } | null;
  keywords: Array<{ term: string }>;
}

interface TrendsOptions {
  limit: number;
  json?: boolean;
  explain?: string;
  lifecycle?: string;
  sort: string;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${what} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

const num = (x: unknown, digits = 2): string => (typeof x === 'number' ? x.toFixed(digits) : '–');

/** The human rendering of `--explain`: why the trend exists and what it is made of. */
export function renderExplanation(t: TrendExplanation): string {
  const lines = [
    `trend ${t.id}: ${t.summaryTitle ?? t.label}`,
    `  status      ${t.status}${t.mergedIntoId ? ` (merged into ${t.mergedIntoId})` : ''}, lifecycle ${t.lifecycle}`,
    `  why         ${t.explanation}`,
    `  size        ${t.size} items from ${t.sourceCount} sources (diversity ${num(t.sourceDiversity)}), cohesion ${num(t.cohesion)}`,
    `  velocity    ${num(t.velocity)} items/h, acceleration ${num(t.acceleration, 3)} items/h²` +
      (t.engagement === null ? '' : `, engagement ${t.engagement}`),
    `  keywords    ${t.keywords.map((k) => `${k.term} (${k.score.toFixed(3)})`).join(', ')}`,
    '',
    'representative items (most central first):',
    table(['similarity', 'publisher', 'title'], t.representatives.map((r) => [num(r.similarity, 3), r.publisher, r.title]), 80),
    '',
    'member publishers:',
    table(['items', 'publisher'], t.publishers.map((p) => [p.items, p.publisher])),
    '',
    'sources:',
    table(['items', 'source'], t.sources.map((s) => [s.items, s.source]), 100),
  ];
  if (t.events.length > 0) {
    lines.push('', 'identity events:');
    lines.push(table(['run', 'event', 'trend', 'other', 'items'], t.events.map((e) => [e.runId, e.kind, e.trendId, e.otherTrendId ?? '', e.items]), 50));
  }
  return lines.join('\n');
}

export function registerTrends(program: Command, ctx: () => CliContext): void {
  program
    .command('trends')
    .description('list current trends with their summary titles, or explain one with --explain <id>')
    .option('-n, --limit <n>', 'how many', (v) => Number.parseInt(v, 10), 30)
    .option('--lifecycle <stage>', `only active trends in this stage (${TREND_LIFECYCLES.join(', ')})`)
    .option('--sort <key>', `order, descending (${TREND_SORTS.join(', ')})`, 'size')
    .option('--explain <id>', "print one trend's keywords, representative items, member sources and identity events")
    .option('--json', 'print JSON for scripts')
    .action(async (opts: TrendsOptions) => {
      const c = ctx();
      if (opts.explain !== undefined) {
        const id = Number(opts.explain);
        if (!Number.isInteger(id) || id <= 0) throw new Error(`--explain needs a trend id, got "${opts.explain}"`);
        const explained = await explainTrend(await c.db(), id);
        emit(!!opts.json, explained, () => renderExplanation(explained));
        return;
      }
      const limit = Number.isInteger(opts.limit) && opts.limit > 0 ? Math.min(opts.limit, 500) : 30;
      const lifecycle = oneOf<TrendLifecycleFilter>(opts.lifecycle, TREND_LIFECYCLES, '--lifecycle');
      const sort = oneOf<TrendSort>(opts.sort, TREND_SORTS, '--sort');
      const result = await listTrends(await c.db(), { limit, offset: 0, status: 'active', lifecycle, sort });
      emit(!!opts.json, result, () => {
        const rows = (result.trends as TrendRow[]).map((t) => [
          t.id,
          t.size,
          t.sourceCount,
          t.lifecycle,
          t.velocity.toFixed(2),
          t.summary?.title ?? t.label,
          t.keywords.slice(0, 4).map((k) => k.term).join(', '),
        ]);
        const what = lifecycle ? `${lifecycle} trends` : 'active trends';
        return `${result.total} ${what}\n\n${table(['id', 'items', 'sources', 'lifecycle', 'items/h', 'title', 'keywords'], rows)}`;
      });
    });
}
