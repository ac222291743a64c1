import { Command } from 'commander';
import { registerEval } from './commands/eval';
import { registerKeys } from './commands/keys';
import { registerModels } from './commands/models';
import { registerRun } from './commands/run';
import { registerSchedules } from './commands/schedules';
import { registerReindex } from './commands/reindex';
import { registerSearch } from './commands/search';
import { registerSources } from './commands/sources';
import { registerStatus } from './commands/status';
import { registerTrends } from './commands/trends';
import { registerWebhooks } from './commands/webhooks';
import { createCliContext, type CliContext } from './context';

/** `trendflow`: start and inspect pipeline runs against a running stack (see README). */
export async function main(argv: string[]): Promise<void> {
  let context: CliContext | undefined;
  const ctx = () => (context ??= createCliContext());
  const program = new Command('trendflow')
    .description('durable trend intelligence: collect → embed → cluster → summarize')
    .showHelpAfterError();
  registerRun(program, ctx);
  registerSchedules(program, ctx);
  registerSources(program, ctx);
  registerStatus(program, ctx);
  registerTrends(program, ctx);
  registerEval(program, ctx);
  registerSearch(program, ctx);
  registerReindex(program, ctx);
  registerKeys(program, ctx);
  registerWebhooks(program, ctx);
  registerModels(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`trendflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await context?.close();
  }
}
