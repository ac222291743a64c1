import { SingleBar } from 'cli-progress';
import type { RunProgress } from '../workflows/types';

/** Prints either JSON (for scripts) or the human rendering. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** A simple fixed-width table; long cells are cut with an ellipsis. */
export function table(headers: string[], rows: Array<Array<string | number>>, maxWidth = 60): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))].map((r) =>
    r.map((c) => (c.length > maxWidth ? `${c.slice(0, maxWidth - 1)}…` : c)),
  );
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const STAGE_ORDER = ['starting', 'collecting', 'embedding', 'clustering', 'summarizing', 'finalizing', 'done'];

/** A progress bar on stderr (so stdout stays clean), advanced from `progress` query results. */
export function createRunProgressBar(enabled: boolean) {
  if (!enabled) return { update: (_p: RunProgress) => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: ' {bar} {stage} | {detail}', barsize: 30, hideCursor: true, stream: process.stderr, clearOnComplete: false },
  );
  bar.start(STAGE_ORDER.length - 1, 0, { stage: 'starting', detail: '' });
  return {
    update(p: RunProgress) {
      const s = p.stats;
      const detail =
        p.stage === 'collecting'
          ? `sources ${s.sources.done}/${s.sources.total}, items ${s.items.fetched}`
          : p.stage === 'embedding'
            ? `batches ${s.embed.batchesDone}/${s.embed.batches}, embedded ${s.embed.embedded}`
            : p.stage === 'summarizing'
              ? `trends ${s.summarize.done}/${s.summarize.total}`
              : `items ${s.items.fetched}, trends ${s.cluster.clusters}`;
      bar.update(Math.max(0, STAGE_ORDER.indexOf(p.stage)), { stage: p.stage.padEnd(11), detail });
    },
    stop: () => bar.stop(),
  };
}

export function describeRun(p: RunProgress): string {
  const s = p.stats;
  const lines = [
    `run ${p.runId}: ${p.status}${p.error ? ` (${p.error})` : ''}`,
    `  sources   ${s.sources.total - s.sources.failed}/${s.sources.total} ok`,
    `  items     ${s.items.fetched} fetched, ${s.items.new} new, ${s.items.duplicates} duplicates`,
    `  embedded  ${s.embed.embedded} (${s.embed.cached} already had vectors)`,
    `  clusters  ${s.cluster.clusters} from ${s.cluster.items} items (${s.cluster.noise} unclustered)`,
    `  summaries ${s.summarize.done}/${s.summarize.total}${s.summarize.fallbacks ? `, ${s.summarize.fallbacks} fell back to extractive` : ''}`,
  ];
  for (const r of p.sourceResults.filter((x) => x.status === 'failed')) lines.push(`  FAILED ${r.spec}: ${r.errorType}: ${r.error}`);
  return lines.join('\n');
}
