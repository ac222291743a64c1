import type { Command } from 'commander';
import { SourceError } from '../../activities/collect/errors';
import { previewSource, type SourcePreview } from '../../activities/collect/preview';
import { sourceOptionsFromConfig } from '../../activities/collect/sources';
import { addSource, createSourceSchema, findSource, listSources, removeSource, updateSource, type SourceView } from '../../services/sources';
import { parseInput } from '../../services/validate';
import type { CliContext } from '../context';
import { emit, table } from '../output';
import { absolutizeSpec } from './run';

function describeSource(s: SourceView): string {
  const state = s.deletedAt ? `REMOVED ${s.deletedAt}` : s.enabled ? 'enabled' : 'DISABLED';
  return [
    `source ${s.id}: ${s.spec} (${s.kind}, ${state})`,
    `  items            ${s.items}`,
    `  last collected   ${s.lastCollectedAt ?? 'never'}${s.lastError ? `\n  last error       ${s.lastError}` : ''}`,
    `  cursor           ${[s.cursor.etag && `etag ${s.cursor.etag}`, s.cursor.newest !== undefined && `newest ${s.cursor.newest}`, `${s.cursor.seen} seen`].filter(Boolean).join(', ')}`,
  ].join('\n');
}

function describePreview(p: SourcePreview): string {
  const rows = p.items.map((i) => {
    const e = i.engagement ?? {};
    const signals = [typeof e['score'] === 'number' && `${e['score']} pts`, typeof e['comments'] === 'number' && `${e['comments']} cmts`, typeof e['views'] === 'number' && `${e['views']} views`];
    return [i.publishedAt?.slice(0, 16).replace('T', ' ') ?? '-', i.language ?? '-', signals.filter(Boolean).join(' ') || '-', i.title, i.canonicalUrl];
  });
  const s = p.stats;
  const head = `${p.spec} (${p.kind}): ${p.items.length} item(s) would be collected from the first page` +
    `${p.invalid ? `, ${p.invalid} without a usable URL or title` : ''}${s.skipped ? `, ${s.skipped} skipped by the source` : ''}` +
    `${s.requests !== undefined ? ` — ${s.requests} request(s)` : ''}; nothing was stored`;
  return p.items.length ? `${head}\n\n${table(['published (UTC)', 'lang', 'engagement', 'title', 'url'], rows, 70)}` : head;
}

/** `trendflow sources add|list|remove|enable|disable|test`. */
export function registerSources(program: Command, ctx: () => CliContext): void {
  const sources = program.command('sources').description('configured sources: add, list, remove, enable, disable, or test a spec');

  sources
    .command('add <spec>')
    .description('add a source (validated by parsing it; file paths are made absolute)')
    .option('--disabled', 'store it disabled')
    .option('--json', 'print JSON for scripts')
    .action(async (spec: string, opts: { disabled?: boolean; json?: boolean }) => {
      const input = parseInput(createSourceSchema, { spec: absolutizeSpec(spec), enabled: !opts.disabled });
      const { source, restored } = await addSource(await ctx().db(), input);
      emit(!!opts.json, { ...source, restored }, () => `${restored ? 'restored' : 'added'} ${describeSource(source)}`);
    });

  sources
    .command('list')
    .description('list sources with item counts, last collection and errors')
    .option('--kind <kind>', 'only this kind (hn, reddit, rss, …)')
    .option('--all', 'include removed sources')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { kind?: string; all?: boolean; json?: boolean }) => {
      const list = await listSources(await ctx().db(), { ...(opts.kind && { kind: opts.kind }), ...(opts.all && { include: 'deleted' as const }) });
      emit(!!opts.json, { sources: list }, () =>
        list.length === 0
          ? 'no sources yet: add one with `trendflow sources add <spec>` (or run one with `trendflow run -s <spec>`)'
          : table(
              ['id', 'spec', 'state', 'items', 'last collected', 'last error'],
              list.map((s) => [s.id, s.spec, s.deletedAt ? 'removed' : s.enabled ? 'enabled' : 'disabled', s.items, s.lastCollectedAt ?? 'never', s.lastError ?? '']),
            ),
      );
    });

  sources
    .command('remove <specOrId>')
    .description('remove a source; one with stored items is kept, disabled and hidden, for their provenance')
    .option('--json', 'print JSON for scripts')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const db = await ctx().db();
      const found = await findSource(db, /^\d+$/.test(ref) ? ref : absolutizeSpec(ref));
      const { removed, source } = await removeSource(db, found.id);
      emit(!!opts.json, { removed, source }, () =>
        removed === 'deleted' ? `deleted source ${source.id} (${source.spec})` : `removed source ${source.id} (${source.spec}); its ${source.items} item(s) are kept`,
      );
    });

  for (const action of ['enable', 'disable'] as const) {
    sources
      .command(`${action} <specOrId>`)
      .description(action === 'enable' ? 'let runs collect this source again' : 'make runs refuse this source (recorded as failed) until enabled')
      .option('--json', 'print JSON for scripts')
      .action(async (ref: string, opts: { json?: boolean }) => {
        const db = await ctx().db();
        const found = await findSource(db, /^\d+$/.test(ref) ? ref : absolutizeSpec(ref));
        const source = await updateSource(db, found.id, { enabled: action === 'enable' });
        emit(!!opts.json, source, () => describeSource(source));
      });
  }

  sources
    .command('test <spec>')
    .description('fetch one page and print what would be collected, without storing anything (no database needed)')
    .option('--limit <n>', 'items to show', '20')
    .option('--json', 'print JSON for scripts')
    .action(async (spec: string, opts: { limit: string; json?: boolean }) => {
      const input = parseInput(createSourceSchema, { spec: absolutizeSpec(spec) });
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new Error(`--limit must be a whole number from 1 to 500, got ${opts.limit}`);
      const options = sourceOptionsFromConfig(ctx().config.collect);
      try {
        const preview = await previewSource(input.spec, options, limit).catch((err: unknown) => {
          if (!(err instanceof SourceError)) throw err;
          throw new Error(`${err.name} (${err.retryable ? 'transient: a run would retry' : 'permanent: a run would fail this source'}): ${err.message}`, { cause: err });
        });
        emit(!!opts.json, preview, () => describePreview(preview));
      } finally {
        await options.http.close();
      }
    });
}
