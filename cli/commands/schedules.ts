import type { Command } from 'commander';
import { z } from 'zod';
import { backfillSchema, OVERLAP_POLICIES, parseProfileInput, patchProfileSchema } from '../../services/profiles';
import {
  backfillProfile,
  createProfile,
  deleteProfile,
  getProfile,
  listProfiles,
  setPaused,
  triggerProfile,
  updateProfile,
  type ProfileView,
} from '../../services/schedules';
import { parseInput } from '../../services/validate';
import type { CliContext } from '../context';
import { emit, table } from '../output';
import { absolutizeSpec } from './run';

/** Options shared by create and update; all optional here, the profile schemas decide what is required. */
interface ProfileOpts {
  source?: string[];
  window?: string;
  interval?: string;
  cron?: string;
  timezone?: string;
  overlap?: string;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
  description?: string;
  json?: boolean;
}

const when = (p: ProfileView) => [p.interval && `every ${p.interval}`, p.cron && `cron "${p.cron}"${p.timezone ? ` ${p.timezone}` : ''}`].filter(Boolean).join(' + ');

function describeProfile(p: ProfileView, uiUrl: string): string {
  const lines = [
    `profile ${p.id}: ${p.paused ? `PAUSED${p.note ? ` (${p.note})` : ''}` : 'active'}`,
    ...(p.description ? [`  description    ${p.description}`] : []),
    `  runs           ${when(p)}, workflow ids ${p.workflowIdPrefix}-<time>`,
    `  window         ${p.window}`,
    `  overlap        ${p.overlap}   catch-up window ${p.catchupWindow}   pause on failure ${p.pauseOnFailure ? 'yes' : 'no'}`,
    `  sources        ${p.sources.join('\n                 ')}`,
    `  next runs      ${p.nextRuns.slice(0, 3).join(', ') || '-'}`,
    `  running        ${p.runningRuns.join(', ') || '-'}`,
    `  taken          ${p.stats.actionsTaken} (skipped for overlap ${p.stats.skippedOverlap}, missed catch-up ${p.stats.missedCatchupWindow})`,
  ];
  for (const r of p.recentRuns.slice(-5)) lines.push(`  recent         ${r.workflowId}`);
  lines.push(`  Temporal UI    ${uiUrl}/schedules/${p.id}`);
  return lines.join('\n');
}

/** Turns CLI options into the same JSON body the API takes; file specs become absolute (workers may run elsewhere). */
function toBody(opts: ProfileOpts): Record<string, unknown> {
  const body: Record<string, unknown> = {
    sources: opts.source?.map((s) => absolutizeSpec(s)),
    window: opts.window,
    interval: opts.interval,
    cron: opts.cron,
    timezone: opts.timezone,
    overlap: opts.overlap,
    catchupWindow: opts.catchupWindow,
    pauseOnFailure: opts.pauseOnFailure,
    description: opts.description,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

function profileOptions(cmd: Command): Command {
  return cmd
    .option('-s, --source <spec...>', 'source specs: csv:<file>, jsonl:<file>, rss:<url>, atom:<url>')
    .option('-w, --window <window>', 'cluster items of this window: all, or a duration like 24h, 7d')
    .option('-i, --interval <duration>', 'run every <duration>, e.g. 15m, 1h')
    .option('-c, --cron <expr>', '5-field cron, e.g. "0 */6 * * *" (UTC unless --timezone)')
    .option('--timezone <iana>', 'time zone for --cron, e.g. Europe/Berlin')
    .option('--overlap <policy>', `when a run is still going: ${OVERLAP_POLICIES.join(', ')}`)
    .option('--catchup-window <duration>', 'after an outage, run missed times at most this late, e.g. 1h')
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option('--no-pause-on-failure', 'keep running after a failed run (the default)')
    .option('-d, --description <text>', 'what the profile is for')
    .option('--json', 'print JSON for scripts');
}

export function registerSchedules(program: Command, ctx: () => CliContext): void {
  const schedules = program.command('schedules').description('collection profiles: named sources + window, run by a Temporal Schedule');
  const ui = () => `${ctx().config.temporal.uiUrl}/namespaces/${ctx().config.temporal.namespace}`;
  const client = () => ctx().temporal();
  const show = (json: boolean | undefined, p: ProfileView) => emit(!!json, p, () => describeProfile(p, ui()));

  schedules
    .command('list')
    .description('list profiles with their state and next run')
    .option('--json', 'print JSON for scripts')
    .action(async (opts: { json?: boolean }) => {
      const all = await listProfiles(await client());
      emit(!!opts.json, all, () =>
        all.length === 0
          ? 'no profiles; create one with `trendflow schedules create <id> --source … --interval 1h`'
          : table(
              ['id', 'state', 'when', 'window', 'sources', 'overlap', 'next run'],
              all.map((p) => [p.id, p.paused ? 'paused' : 'active', when(p), p.window, p.sources.length, p.overlap, p.nextRuns[0] ?? '-']),
            ),
      );
    });

  schedules
    .command('show <id>')
    .description('show one profile: definition, state, next and recent runs')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { json?: boolean }) => show(opts.json, await getProfile(await client(), id)));

  profileOptions(schedules.command('create <id>').description('create a profile and its schedule'))
    .option('--paused', 'create it paused')
    .action(async (id: string, opts: ProfileOpts & { paused?: boolean }) => {
      const input = parseProfileInput({ id, ...toBody(opts), ...(opts.paused && { paused: true }) });
      show(opts.json, await createProfile(await client(), input));
    });

  profileOptions(schedules.command('update <id>').description('change some fields of a profile; the rest stay'))
    .option('--remove-interval', 'drop the interval (keep the cron)')
    .option('--remove-cron', 'drop the cron (keep the interval)')
    .action(async (id: string, opts: ProfileOpts & { removeInterval?: boolean; removeCron?: boolean }) => {
      const body = { ...toBody(opts), ...(opts.removeInterval && { interval: null }), ...(opts.removeCron && { cron: null }) };
      show(opts.json, await updateProfile(await client(), id, parseInput(patchProfileSchema, body)));
    });

  schedules
    .command('delete <id>')
    .description('delete a profile and its schedule (runs already started go on)')
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { json?: boolean }) => {
      await deleteProfile(await client(), id);
      emit(!!opts.json, { id, deleted: true }, () => `deleted profile ${id}`);
    });

  for (const action of ['pause', 'unpause'] as const) {
    schedules
      .command(`${action} <id>`)
      .description(action === 'pause' ? 'stop starting runs until unpaused' : 'start running on schedule again')
      .option('-n, --note <text>', 'why (shown in the Temporal UI)')
      .option('--json', 'print JSON for scripts')
      .action(async (id: string, opts: { note?: string; json?: boolean }) =>
        show(opts.json, await setPaused(await client(), id, action === 'pause', opts.note)),
      );
  }

  schedules
    .command('trigger <id>')
    .description("start a run now (the profile's overlap policy applies unless --overlap)")
    .option('--overlap <policy>', OVERLAP_POLICIES.join(', '))
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { overlap?: string; json?: boolean }) => {
      const { overlap } = parseInput(z.object({ overlap: z.enum(OVERLAP_POLICIES).optional() }), opts);
      const applied = await triggerProfile(await client(), id, overlap);
      emit(!!opts.json, { id, triggered: true, overlap: applied }, () => `triggered ${id} (overlap ${applied}); runs: trendflow schedules show ${id}`);
    });

  schedules
    .command('backfill <id>')
    .description('take now the runs the schedule would have started between --from and --to')
    .requiredOption('--from <time>', 'RFC 3339 time, e.g. 2026-01-01T00:00:00Z')
    .requiredOption('--to <time>', 'RFC 3339 time, not in the future')
    .option('--overlap <policy>', OVERLAP_POLICIES.join(', '))
    .option('--json', 'print JSON for scripts')
    .action(async (id: string, opts: { from: string; to: string; overlap?: string; json?: boolean }) => {
      const { json: _json, ...rest } = opts;
      const b = parseInput(backfillSchema, rest);
      const applied = await backfillProfile(await client(), id, new Date(b.from), new Date(b.to), b.overlap);
      emit(!!opts.json, { id, backfill: { from: b.from, to: b.to }, overlap: applied }, () => `backfilling ${id} from ${b.from} to ${b.to} (overlap ${applied})`);
    });
}
