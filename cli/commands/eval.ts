import path from 'node:path';
import type { Command } from 'commander';
import { evaluateRun } from '../../services/eval';
import type { CliContext } from '../context';
import { emit } from '../output';

export function registerEval(program: Command, ctx: () => CliContext): void {
  program
    .command('eval')
    .description("score a run's stored clusters against ground-truth labels (ARI, NMI, V-measure)")
    .requiredOption('--run <runId>', 'the run whose cluster assignments to score')
    .requiredOption('--labels <csv>', 'CSV with a label column and a URL (or id) column')
    .option('--label-column <name>', 'column with the true cluster label', 'STORY')
    .option('--url-column <name>', 'column with the item URL (matched by canonical URL)', 'URL')
    .option('--id-column <name>', "match on this column against items' source ids instead of URLs")
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { run: string; labels: string; labelColumn: string; urlColumn: string; idColumn?: string; json?: boolean }) => {
      const c = ctx();
      const report = await evaluateRun(await c.db(), opts.run, {
        labelsPath: path.resolve(opts.labels),
        labelColumn: opts.labelColumn,
        urlColumn: opts.urlColumn,
        idColumn: opts.idColumn,
      });
      emit(!!opts.json, report, () =>
        [
          `run ${report.runId} against ${opts.labels} (${opts.labelColumn})`,
          `  NMI        ${report.nmi.toFixed(3)}`,
          `  ARI        ${report.ari.toFixed(3)}`,
          `  V-measure  ${report.vMeasure.toFixed(3)} (homogeneity ${report.homogeneity.toFixed(3)}, completeness ${report.completeness.toFixed(3)})`,
          `  clusters   ${report.clusters}, noise ${(report.noiseFraction * 100).toFixed(1)}% of ${report.items} items`,
          report.unmatched ? `  ${report.unmatched} labelled rows had no clustered item` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
}
