import type { Command } from 'commander';
import { createEmbedder } from '../../activities/embed/create-embedder';
import { searchItems, similarItems, type SearchPage } from '../../services/search';
import { ValidationError } from '../../services/errors';
import { createVectorStore } from '../../vectors';
import type { CliContext } from '../context';
import { emit, table } from '../output';

interface SearchOptions {
  similar?: boolean;
  source?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
  json?: boolean;
}

function toMs(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/T/.test(value) ? value : `${value}T00:00:00Z`);
  if (!Number.isFinite(ms)) throw new ValidationError(`--${name}: not an ISO 8601 date or date-time: ${value}`);
  return ms;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ValidationError(`not a non-negative integer: ${value}`);
  return n;
}

function render(page: SearchPage): string {
  if (page.hits.length === 0) return `no matches (model ${page.model})`;
  const rows = page.hits.map((h) => [h.score.toFixed(3), h.id, h.title, h.trend ? `${h.trend.id} ${h.trend.label}` : '-', h.publishedAt?.slice(0, 10) ?? '']);
  const more = page.nextOffset === null ? '' : `\n(more: --offset ${page.nextOffset})`;
  return `${table(['score', 'item', 'title', 'trend', 'published'], rows)}${more}`;
}

export function registerSearch(program: Command, ctx: () => CliContext): void {
  program
    .command('search <query>')
    .description('semantic search over collected items (with --similar, <query> is an item id)')
    .option('--similar', 'find items similar to the item whose id is <query>')
    .option('--source <spec>', 'only items of this source spec')
    .option('--from <date>', 'published at or after (ISO 8601)')
    .option('--to <date>', 'published at or before (ISO 8601)')
    .option('-n, --limit <n>', 'hits to show', positiveInt, 10)
    .option('--offset <n>', 'skip this many hits (paging)', positiveInt, 0)
    .option('--json', 'print JSON for scripts')
    .action(async (query: string, opts: SearchOptions) => {
      const c = ctx();
      if (opts.limit < 1 || opts.limit > 100) throw new ValidationError('--limit must be between 1 and 100');
      const window = { source: opts.source, fromMs: toMs('from', opts.from), toMs: toMs('to', opts.to), limit: opts.limit, offset: opts.offset };
      const store = await createVectorStore(c.config.vectors);
      // The CLI embeds one query: its own thread is quicker than starting a thread pool.
      const embedder = await createEmbedder(c.config.embed, { threads: 0 });
      try {
        const deps = { db: await c.db(), vectorStore: async () => store, embedder: async () => embedder };
        const page = opts.similar ? await similarItems(deps, query, window) : await searchItems(deps, query, window);
        emit(!!opts.json, page, () => render(page));
      } finally {
        await embedder.close?.();
        await store.close();
      }
    });
}
