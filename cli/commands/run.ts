import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowFailedError } from '@temporalio/client';
import type { Command } from 'commander';
import { parseRunRequest } from '../../services/run-params';
import { startPipelineRun } from '../../services/runs';
import type { RunProgress } from '../../workflows/types';
import type { CliContext } from '../context';
import { createRunProgressBar, describeRun, emit } from '../output';

/** File specs name paths relative to where the user typed the command; workers may run elsewhere. */
export function absolutizeSpec(spec: string, cwd = process.cwd()): string {
  const m = /^(csv|jsonl):([^?]+)(\?.*)?$/.exec(spec);
  if (!m || path.isAbsolute(m[2] ?? '')) return spec;
  return `${m[1]}:${path.resolve(cwd, m[2] ?? '')}${m[3] ?? ''}`;
}

export function registerRun(program: Command, ctx: () => CliContext): void {
  program
    .command('run')
    .description('start a pipeline pass (collect → embed → cluster → summarize)')
    .requiredOption('-s, --source <spec...>', 'source specs, e.g. csv:<file>, rss:<url>, hn:top, reddit:<sub>, github:search?q=…, web:<url> (see README: Sources)')
    .option('-w, --window <window>', 'cluster items of this window: all, or a duration like 24h, 7d', 'all')
    .option('--wait', 'wait for the run to finish, showing progress')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { source: string[]; window: string; wait?: boolean; json?: boolean }) => {
      const c = ctx();
      const params = parseRunRequest({ sources: opts.source.map((s) => absolutizeSpec(s)), window: opts.window }, 'manual');
      const client = await c.temporal();
      const { runId } = await startPipelineRun(client, params);
      const uiUrl = `${c.config.temporal.uiUrl}/namespaces/${c.config.temporal.namespace}/workflows/${runId}`;
      if (!opts.wait) {
        emit(!!opts.json, { runId, status: 'running', temporalUi: uiUrl }, () => `started ${runId}\n  Temporal UI: ${uiUrl}`);
        return;
      }
      const handle = client.workflow.getHandle(runId);
      const bar = createRunProgressBar(!opts.json && process.stderr.isTTY === true);
      const started = Date.now();
      let done = false;
      const result = handle.result().finally(() => {
        done = true;
      });
      result.catch(() => undefined); // handled below; avoid an unhandled rejection while polling
      while (!done) {
        try {
          bar.update(await handle.query<RunProgress>('progress'));
        } catch {
          // the first workflow task may not have run yet
        }
        await Promise.race([sleep(500), result.catch(() => undefined)]);
      }
      bar.stop();
      try {
        const final = (await result) as RunProgress;
        const seconds = (Date.now() - started) / 1000;
        emit(!!opts.json, { ...final, wallSeconds: seconds, temporalUi: uiUrl }, () => `${describeRun(final)}\n  took ${seconds.toFixed(1)} s\n  Temporal UI: ${uiUrl}`);
      } catch (err) {
        const cause = err instanceof WorkflowFailedError ? (err.cause?.cause ?? err.cause) : err;
        emit(!!opts.json, { runId, status: 'failed', error: (cause as Error)?.message }, () => `run ${runId} failed: ${(cause as Error)?.message}`);
        process.exitCode = 1;
      }
    });
}
