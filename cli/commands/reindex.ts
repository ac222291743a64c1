import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { configuredModelId, createEmbedder } from '../../activities/embed/create-embedder';
import { embeddedModels, reembedAll, reindexFromPostgres, type Progress, type ReindexResult } from '../../activities/embed/reindex';
import { createVectorStore } from '../../vectors';
import type { CliContext } from '../context';
import { emit } from '../output';

/** A progress bar on stderr (stdout stays clean for --json), or a no-op when not on a terminal. */
function progressBar(enabled: boolean, label: string): { update: Progress; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: ` ${label} {bar} {value}/{total} items | {eta_formatted} left`, barsize: 30, hideCursor: true, stream: process.stderr });
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function registerReindex(program: Command, ctx: () => CliContext): void {
  program
    .command('reindex')
    .description('rebuild the vector index from the embeddings in Postgres (the source of truth)')
    .option('--model <id>', 'model id to rebuild (default: the configured model)')
    .option('--all', 'rebuild every model that has embeddings in Postgres')
    .option('--recreate', 'drop the table/collection first (after a schema change); search is empty until it ends')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { model?: string; all?: boolean; recreate?: boolean; json?: boolean }) => {
      const c = ctx();
      const db = await c.db();
      const models = opts.all ? (await embeddedModels(db)).map((m) => m.modelId) : [opts.model ?? configuredModelId(c.config.embed)];
      const store = await createVectorStore(c.config.vectors);
      const results: ReindexResult[] = [];
      try {
        for (const modelId of models) {
          const bar = progressBar(!opts.json && process.stderr.isTTY === true, modelId);
          try {
            results.push(await reindexFromPostgres(db, store, { modelId, recreate: opts.recreate, onProgress: bar.update }));
          } finally {
            bar.stop();
          }
        }
      } finally {
        await store.close();
      }
      emit(!!opts.json, { store: store.kind, results }, () =>
        results.length === 0
          ? 'no embeddings in Postgres: nothing to index'
          : results.map((r) => `${r.modelId}: ${r.upserted} vectors written to ${store.kind}, ${r.removed} stray removed`).join('\n'),
      );
    });

  program
    .command('reembed')
    .description('embed every item with the configured model (EMBEDDING_PROVIDER…) into Postgres and its own index')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }) => {
      const c = ctx();
      const db = await c.db();
      const embedder = await createEmbedder(c.config.embed); // bulk work: the configured thread pool
      const store = await createVectorStore(c.config.vectors);
      const bar = progressBar(!opts.json && process.stderr.isTTY === true, embedder.id);
      try {
        const result = await reembedAll(db, embedder, store, { onProgress: bar.update });
        bar.stop();
        emit(!!opts.json, result, () =>
          `${result.modelId}: ${result.embedded} items embedded, ${result.cached} already had vectors ` +
          '(runs and search use this model for as long as it is the configured one)',
        );
      } finally {
        bar.stop();
        await embedder.close?.();
        await store.close();
      }
    });
}
