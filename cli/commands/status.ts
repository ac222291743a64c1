import type { Command } from 'commander';
import { getRun } from '../../services/runs';
import type { CliContext } from '../context';
import { describeRun, emit, table } from '../output';

export function registerStatus(program: Command, ctx: () => CliContext): void {
  program
    .command('status <runId>')
    .description('show a run: status, stage, counts and per-source results')
    .option('--json', 'print JSON for scripts')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const c = ctx();
      const run = await getRun(await c.db(), await c.temporal(), runId);
      emit(!!opts.json, run, () => {
        const head = run.progress ? describeRun(run.progress) : `run ${run.runId}: ${run.status}${run.error ? ` (${run.error})` : ''}`;
        const stage = run.progress ? `\n  stage     ${run.progress.stage}` : '';
        const sources = run.sources.length
          ? `\n\n${table(
              ['source', 'status', 'fetched', 'new', 'dup', 'error'],
              run.sources.map((s) => [s.spec, s.status, s.fetched, s.inserted, s.duplicates, s.error ?? '']),
            )}`
          : '';
        return `${head}${stage}${sources}`;
      });
    });
}
