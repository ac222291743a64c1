import type { Command } from 'commander';
import { listTrends } from '../../services/trends';
import type { CliContext } from '../context';
import { emit, table } from '../output';

interface TrendRow {
  id: number;
  size: number;
  sourceCount: number;
  label: string;
  summary: { title: string } | null;
  keywords: Array<{ term: string }>;
}

export function registerTrends(program: Command, ctx: () => CliContext): void {
  program
    .command('trends')
    .description('list current trends, largest first, with their summary titles')
    .option('-n, --limit <n>', 'how many', (v) => Number.parseInt(v, 10), 30)
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { limit: number; json?: boolean }) => {
      const c = ctx();
      const limit = Number.isInteger(opts.limit) && opts.limit > 0 ? Math.min(opts.limit, 500) : 30;
      const result = await listTrends(await c.db(), { limit, offset: 0, status: 'active' });
      emit(!!opts.json, result, () => {
        const rows = (result.trends as TrendRow[]).map((t) => [
          t.id,
          t.size,
          t.sourceCount,
          t.summary?.title ?? t.label,
          t.keywords.slice(0, 4).map((k) => k.term).join(', '),
        ]);
        return `${result.total} active trends\n\n${table(['id', 'items', 'sources', 'title', 'keywords'], rows)}`;
      });
    });
}
